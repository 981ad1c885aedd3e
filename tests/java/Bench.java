// Bench: CPU benchmarks for comparing interpreters (sieve, recursive fib, double matrix multiply, string building,
// HashMap<Integer,Integer>). Optional arg: scale (default 1). Prints only checksums, never times.
import java.util.HashMap;
import java.util.Map;

public class Bench {
    static int sieve(int limit) {
        boolean[] composite = new boolean[limit + 1];
        int count = 0;
        for (int i = 2; i <= limit; i++) {
            if (!composite[i]) {
                count++;
                for (long j = (long) i * i; j <= limit; j += i) {
                    composite[(int) j] = true;
                }
            }
        }
        return count;
    }

    static int fib(int n) {
        return n < 2 ? n : fib(n - 1) + fib(n - 2);
    }

    static double matmul(int n, int reps) {
        double[][] a = new double[n][n];
        double[][] b = new double[n][n];
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = (i * 31 + j * 17) % 100 / 10.0;
                b[i][j] = (i * 7 + j * 13) % 50 / 5.0;
            }
        }
        double total = 0;
        for (int r = 0; r < reps; r++) {
            for (int i = 0; i < n; i++) {
                double[] ai = a[i];
                double[] ci = c[i];
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int k = 0; k < n; k++) {
                        s += ai[k] * b[k][j];
                    }
                    ci[j] = s;
                }
            }
            total += c[r % n][(r * 7) % n];
            // feed the result back so repetitions are not identical
            a[r % n][r % n] += 0.5;
        }
        double trace = 0;
        for (int i = 0; i < n; i++) {
            trace += c[i][i];
        }
        return total + trace;
    }

    static long strings(int rounds) {
        long check = 0;
        for (int r = 0; r < rounds; r++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                sb.append(i % 97).append(',');
                if (i % 100 == 0) {
                    sb.append("word").append(r);
                }
            }
            String s = sb.toString();
            check += s.length();
            check += s.hashCode();
            check += s.indexOf("word" + r);
            String[] parts = s.split(",");
            check += parts.length;
            check += parts[parts.length / 2].length();
            String joined = "r" + r + ":" + parts[7] + "/" + parts[13];
            check += joined.hashCode();
        }
        return check;
    }

    static long hashmap(int entries, int reps) {
        long check = 0;
        for (int r = 0; r < reps; r++) {
            Map<Integer, Integer> map = new HashMap<>();
            for (int i = 0; i < entries; i++) {
                map.put(i * 7 + r, i);
            }
            for (int i = 0; i < entries; i += 3) {
                map.merge(i * 7 + r, 5, Integer::sum);
            }
            for (int i = 0; i < entries; i += 2) {
                Integer v = map.get(i * 7 + r);
                if (v != null) {
                    check += v;
                }
            }
            for (int i = 0; i < entries; i += 10) {
                map.remove(i * 7 + r);
            }
            check += map.size();
            long iter = 0;
            for (Map.Entry<Integer, Integer> e : map.entrySet()) {
                iter = iter * 31 + e.getKey() + e.getValue();
            }
            check += iter;
        }
        return check;
    }

    public static void main(String[] args) {
        int scale = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        if (scale < 1) {
            scale = 1;
        }
        System.out.println("scale " + scale);
        // each part takes roughly 0.5-1 s under `java -Xint` at scale 1
        long primes = 0;
        for (int r = 0; r < 5; r++) {
            primes += sieve(2_000_000 * scale - r);
        }
        System.out.println("sieve primes to 2000000*scale, 5 runs: " + primes);
        long fibSum = 0;
        for (int r = 0; r < 10 * scale; r++) {
            fibSum += fib(27);
        }
        System.out.println("fib(27) x" + (10 * scale) + ": " + fibSum);
        System.out.println("matmul 120x120 x" + (15 * scale) + ": " + matmul(120, 15 * scale));
        System.out.println("strings x" + (120 * scale) + ": " + strings(120 * scale));
        System.out.println("hashmap 100000 entries x" + (2 * scale) + ": " + hashmap(100_000, 2 * scale));
    }
}
