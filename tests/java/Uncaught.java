// Uncaught: an exception escaping main. Expected: two stdout lines, exit code 1, and on stderr
// "Exception in thread "main" java.lang.IllegalStateException: boom" followed by a stack trace.
public class Uncaught {
    static void explode(int depth) {
        if (depth == 0) {
            throw new IllegalStateException("boom");
        }
        explode(depth - 1);
    }

    public static void main(String[] args) {
        System.out.println("line one");
        System.out.println("line two");
        explode(3);
        System.out.println("never printed");
    }
}
