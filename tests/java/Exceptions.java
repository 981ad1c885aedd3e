// Exceptions: user exceptions with causes, try/catch/finally ordering (return override, nesting, rethrow),
// exceptions crossing frames, multi-catch, VM-raised exceptions, finally on break/continue, StackOverflowError.
import java.util.ArrayList;
import java.util.List;

public class Exceptions {
    static class AppException extends Exception {
        final int code;

        AppException(String message, int code) {
            super(message);
            this.code = code;
        }

        AppException(String message, Throwable cause) {
            super(message, cause);
            this.code = -1;
        }
    }

    static class ValidationException extends AppException {
        ValidationException(String field) {
            super("invalid " + field, 400);
        }
    }

    static class Fatal extends Error {
        Fatal(String message) {
            super(message);
        }
    }

    static StringBuilder trace = new StringBuilder();

    static void log(String s) {
        trace.append(s).append(' ');
    }

    static void flush(String label) {
        System.out.println(label + ": " + trace.toString().trim());
        trace.setLength(0);
    }

    @SuppressWarnings("finally")
    static int finallyOverridesReturn() {
        try {
            return 1;
        } finally {
            return 2;
        }
    }

    @SuppressWarnings("finally")
    static int finallySwallowsException() {
        try {
            throw new IllegalStateException("lost");
        } finally {
            return 3;
        }
    }

    static int returnValueSnapshot() {
        int x = 10;
        try {
            return x;
        } finally {
            x = 20;
            log("finally x=" + x);
        }
    }

    static void level3(int n) throws AppException {
        log("enter3");
        if (n < 0) {
            throw new ValidationException("n");
        }
        if (n == 0) {
            throw new AppException("zero", 7);
        }
        log("exit3");
    }

    static void level2(int n) throws AppException {
        log("enter2");
        try {
            level3(n);
        } finally {
            log("finally2");
        }
        log("exit2");
    }

    static String level1(int n) {
        try {
            level2(n);
            return "ok";
        } catch (ValidationException e) {
            return "validation " + e.getMessage() + " code " + e.code;
        } catch (AppException e) {
            return "app " + e.getMessage() + " code " + e.code;
        } finally {
            log("finally1");
        }
    }

    static void wrapAndRethrow() throws AppException {
        try {
            Object o = null;
            o.hashCode();
        } catch (NullPointerException e) {
            throw new AppException("wrapped", e);
        }
    }

    static int depth = 0;

    static void recurse() {
        depth++;
        recurse();
    }

    static int parseOrThrow(String s) {
        return Integer.parseInt(s);
    }

    static void multi(int which) {
        try {
            switch (which) {
                case 0:
                    throw new IllegalArgumentException("bad arg");
                case 1:
                    throw new UnsupportedOperationException("nope");
                case 2:
                    parseOrThrow("x1");
                    break;
                case 3:
                    int[] a = new int[2];
                    a[which] = 1;
                    break;
                default:
                    System.out.println("multi " + which + ": no exception");
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // NumberFormatException is an IllegalArgumentException
            System.out.println("multi " + which + ": " + e);
        } catch (RuntimeException e) {
            System.out.println("multi " + which + ": runtime " + e.getMessage());
        }
    }

    static String vmException(int which) {
        try {
            switch (which) {
                case 0: {
                    int z = which;
                    return "value " + (10 / z);
                }
                case 1: {
                    int[] a = new int[3];
                    return "value " + a[5];
                }
                case 2: {
                    long[] a = new long[3];
                    return "value " + a[-1];
                }
                case 3: {
                    int n = -1;
                    return "value " + new int[n].length;
                }
                case 4: {
                    String s = null;
                    return "value " + s.length();
                }
                case 5: {
                    int[] a = null;
                    return "value " + a.length;
                }
                case 6: {
                    Object o = Integer.valueOf(1);
                    return "value " + ((String) o);
                }
                case 7: {
                    Object[] arr = new Integer[1];
                    arr[0] = "str";
                    return "stored";
                }
                case 8: {
                    Integer boxed = null;
                    int v = boxed;
                    return "value " + v;
                }
                case 9: {
                    RuntimeException e = null;
                    throw e;
                }
                case 10: {
                    Object lock = null;
                    synchronized (lock) {
                        return "locked";
                    }
                }
                case 11: {
                    String[][] grid = new String[2][];
                    return "value " + grid[1][0];
                }
                case 12: {
                    char[] cs = new char[0];
                    return "value " + cs[0];
                }
                case 13: {
                    int[][] m = new int[2][-3];
                    return "value " + m.length;
                }
                default:
                    return "none";
            }
        } catch (ArithmeticException | ArrayIndexOutOfBoundsException | NegativeArraySizeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        } catch (NullPointerException | ClassCastException | ArrayStoreException e) {
            return e.getClass().getName();
        }
    }

    public static void main(String[] args) {
        // ordering through frames
        System.out.println(level1(5));
        flush("trace");
        System.out.println(level1(0));
        flush("trace");
        System.out.println(level1(-1));
        flush("trace");

        // finally semantics
        System.out.println("finally overrides return: " + finallyOverridesReturn());
        System.out.println("finally swallows exception: " + finallySwallowsException());
        System.out.println("return snapshot: " + returnValueSnapshot());
        flush("trace");

        // nested try and rethrow
        try {
            try {
                log("inner-try");
                throw new IllegalStateException("first");
            } catch (IllegalStateException e) {
                log("inner-catch:" + e.getMessage());
                throw new RuntimeException("second", e);
            } finally {
                log("inner-finally");
            }
        } catch (RuntimeException e) {
            log("outer-catch:" + e.getMessage() + "<-" + e.getCause().getMessage());
        } finally {
            log("outer-finally");
        }
        flush("nested");

        // a finally that throws replaces the pending exception
        try {
            try {
                throw new IllegalArgumentException("original");
            } finally {
                log("finally-throws");
                if (trace.length() > 0) {
                    throw new IllegalStateException("replacement");
                }
            }
        } catch (RuntimeException e) {
            log(e.getClass().getName() + ":" + e.getMessage());
        }
        flush("replace");

        // causes and toString
        try {
            wrapAndRethrow();
        } catch (AppException e) {
            System.out.println("wrapped: " + e + " cause " + e.getCause().getClass().getName());
        }
        Throwable chain = new AppException("top", new IllegalStateException("middle", new ArithmeticException("root")));
        StringBuilder sb = new StringBuilder();
        for (Throwable t = chain; t != null; t = t.getCause()) {
            sb.append(t.getClass().getName()).append('(').append(t.getMessage()).append(") ");
        }
        System.out.println("chain " + sb.toString().trim());
        RuntimeException fromCause = new RuntimeException(new IllegalArgumentException("inner"));
        System.out.println("message from cause: " + fromCause.getMessage());
        System.out.println("no message: " + new RuntimeException() + " / " + new RuntimeException().getMessage() + " / "
                + new Exception("m") + " / " + new Error("e"));
        System.out.println("user toString: " + new ValidationException("email"));
        System.out.println("is-a: " + (new ValidationException("x") instanceof AppException) + " "
                + (new NumberFormatException() instanceof IllegalArgumentException) + " "
                + (new StackOverflowError() instanceof Error) + " "
                + (new ArrayIndexOutOfBoundsException() instanceof IndexOutOfBoundsException));

        // multi-catch
        for (int i = 0; i <= 4; i++) {
            multi(i);
        }

        // VM-raised exceptions
        for (int i = 0; i <= 14; i++) {
            System.out.println("vm " + i + ": " + vmException(i));
        }

        // finally on break and continue
        for (int i = 0; i < 5; i++) {
            try {
                if (i == 1) {
                    continue;
                }
                if (i == 3) {
                    break;
                }
                log("body" + i);
            } finally {
                log("fin" + i);
            }
        }
        flush("loop");
        outer:
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                try {
                    if (j == 1) {
                        continue outer;
                    }
                    if (i == 2) {
                        break outer;
                    }
                    log(i + "" + j);
                } finally {
                    log("f" + i + j);
                }
            }
        }
        flush("labelled");

        // exceptions inside lambdas and through a collection loop
        List<String> inputs = new ArrayList<>();
        inputs.add("10");
        inputs.add("x");
        inputs.add("30");
        int sum = 0;
        for (String s : inputs) {
            try {
                sum += parseOrThrow(s);
            } catch (NumberFormatException e) {
                System.out.println("skipping: " + e.getMessage());
            }
        }
        System.out.println("sum " + sum);
        Runnable thrower = () -> {
            throw new UnsupportedOperationException("from lambda");
        };
        try {
            thrower.run();
        } catch (UnsupportedOperationException e) {
            System.out.println("lambda threw " + e.getMessage());
        }

        // deep recursion
        try {
            recurse();
        } catch (StackOverflowError e) {
            System.out.println("caught StackOverflowError");
        }
        System.out.println("after overflow, recursion works: " + fact(10));

        // catching Throwable and Error
        Throwable[] throwables = {new Fatal("custom error"), new Exception("checked"), new IllegalStateException("ise"),
            new java.util.NoSuchElementException("nse")};
        for (Throwable t : throwables) {
            try {
                throwIt(t);
            } catch (Exception e) {
                System.out.println("caught as Exception: " + e);
            } catch (Throwable e) {
                System.out.println("caught as Throwable: " + e);
            }
        }
        try {
            throw new Fatal("assert-like");
        } catch (Error e) {
            System.out.println("caught Error " + e.getMessage() + " " + e.getClass().getName());
        }
        System.out.println("done");
    }

    static long fact(int n) {
        return n <= 1 ? 1 : n * fact(n - 1);
    }

    static void throwIt(Throwable t) throws Throwable {
        throw t;
    }
}
