// Exit: System.exit(42) inside a try: the process ends at once with status 42 and the finally block never runs.
public class Exit {
    public static void main(String[] args) {
        System.out.println("about to exit with 42");
        try {
            System.out.println("inside try");
            System.exit(42);
            System.out.println("after exit (must not print)");
        } finally {
            System.out.println("finally (must not print)");
        }
    }
}
