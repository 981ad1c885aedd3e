// Bytecode shapes the verifier must accept, as javac 17 writes them: two-slot locals, the dup
// forms javac uses on longs (dup2, dup2_x1, dup2_x2), switches of every kind, handlers
// (catch, finally, try-with-resources, synchronized), lambdas and string concatenation.
// Compiled and verified by components/jvm/tests/malformed.rs; not run.

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntBinaryOperator;
import java.util.function.LongSupplier;

public class Shapes {
    enum Color { RED, GREEN, BLUE }

    interface Named {
        String name();

        default String greeting() {
            return "hello " + name();
        }
    }

    static final long BIG = 1L << 40;
    static int counter;
    long total;
    double ratio = 0.5;

    Shapes() {
        total = BIG;
    }

    static long longs(long a, double b, int c, long d) {
        long x = a * d + c;
        double y = b / 3.0 + x;
        long z = x = d = 7L; // dup2 chains
        return x + (long) y + z + d + (a > d ? a : d);
    }

    long bumpTotal() {
        long before = this.total++; // dup, getfield J, dup2_x1
        this.total += 3;
        return before;
    }

    static long bumpElement(long[] values, int i) {
        long before = values[i]++; // dup2, laload, dup2_x2
        values[i] += 2;
        return before;
    }

    static int ints(int[] values, int i) {
        values[i] += 2; // dup2, iaload, iastore
        byte b = (byte) values[i];
        short s = (short) (b * 300);
        char c = (char) (s + 'a');
        boolean flag = (c & 1) == 0 && b != 0 || s < 0;
        return flag ? b + s + c : -1;
    }

    static int loops(int n) {
        int sum = 0;
        outer:
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                if (j == 7) continue outer;
                if (sum > 1000) break outer;
                sum += i * j;
            }
        }
        int k = n;
        do {
            sum ^= k;
            k >>= 1;
        } while (k != 0);
        while (true) {
            if (++sum % 3 == 0) break;
        }
        return sum;
    }

    static int dense(int k) {
        switch (k) {
            case 0: return 10;
            case 1: return 11;
            case 2: return 12;
            case 3: return 13;
            default: return -1;
        }
    }

    static int sparse(int k) {
        return switch (k) {
            case -100 -> 1;
            case 7 -> 2;
            case 100000 -> 3;
            default -> 0;
        };
    }

    static int strings(String s) {
        switch (s) {
            case "alpha": return 1;
            case "beta": return 2;
            case "gamma": return 3;
            default: return 0;
        }
    }

    static String colors(Color color) {
        return switch (color) {
            case RED -> "r";
            case GREEN -> "g";
            case BLUE -> "b";
        };
    }

    static int handlers(int d) {
        int result = 0;
        try {
            result = 100 / d;
        } catch (ArithmeticException e) {
            result = -1;
        } catch (RuntimeException e) {
            result = -2;
        } finally {
            counter++;
        }
        try {
            try {
                Object o = null;
                o.hashCode();
            } finally {
                result += 1;
            }
        } catch (NullPointerException e) {
            result += 10;
        }
        return result;
    }

    static long wideInHandler(long a) {
        long saved = a * 2;
        double d = 1.5;
        try {
            if (a == 0) throw new IllegalStateException("zero");
            return saved;
        } catch (IllegalStateException e) {
            return saved + (long) d;
        }
    }

    static final class Resource implements AutoCloseable {
        public void close() {
            counter--;
        }
    }

    static int resources() throws Exception {
        try (Resource a = new Resource(); Resource b = new Resource()) {
            return counter;
        }
    }

    synchronized int locked(Object lock) {
        synchronized (lock) {
            return (int) total;
        }
    }

    static int arrays(int n) {
        int[][] grid = new int[n][n + 1];
        long[] longs = new long[n];
        double[] doubles = {1.0, 2.0};
        Object[] objects = new String[] {"a", "b"};
        grid[0][1] = longs.length + doubles.length + objects.length;
        return grid[0][1] + (objects[0] instanceof String s ? s.length() : 0);
    }

    static String lambdas(List<String> names) {
        IntBinaryOperator add = (a, b) -> a + b;
        long base = BIG;
        LongSupplier supplier = () -> base + 1;
        List<String> copy = new ArrayList<>(names);
        copy.removeIf(name -> name.isEmpty());
        copy.sort(String::compareTo);
        return "n=" + add.applyAsInt(1, 2) + " s=" + supplier.getAsLong() + " " + copy + 'c' + 1.5f + true;
    }

    static double mixed(float f, double d, long l, int i) {
        float g = f * i;
        double e = d - l;
        int cmp = Long.compare(l, i) + Double.compare(d, f) + (f > d ? 1 : 0) + (l < i ? 1 : 0);
        return g + e + cmp + Math.max(d, f) + (double) Float.MAX_VALUE;
    }

    static String records(Named named) {
        return named.greeting();
    }

    static int varargs(int... values) {
        int sum = 0;
        for (int value : values) {
            sum += value;
        }
        return sum + varargs2("x", 1L, 2.0);
    }

    static int varargs2(String s, Object... rest) {
        return s.length() + rest.length;
    }

    static {
        counter = (int) (BIG >>> 38);
    }
}
