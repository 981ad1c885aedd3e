// Hello: the smallest smoke test -- prints a greeting and each command-line argument on its own line.
// Run with args: alpha "beta gamma"
public class Hello {
    public static void main(String[] args) {
        System.out.println("Hello from Java");
        System.out.println("args: " + args.length);
        for (int i = 0; i < args.length; i++) {
            System.out.println(args[i]);
        }
    }
}
