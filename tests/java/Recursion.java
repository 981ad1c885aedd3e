// Recursion: deep recursion through lambdas and through HashMap.computeIfAbsent, which the VM runs
// as library code calling back into Java on the Rust stack: StackOverflowError, caught, never a
// kernel fault.
import java.util.function.Function;
import java.util.HashMap;
import java.util.Map;
public class Recursion {
    static Function<Integer, Integer> f;
    static Map<Integer, Long> memo = new HashMap<>();
    static long g(int n) {
        if (n < 2) return n;
        return memo.computeIfAbsent(n, k -> g(k - 1) + g(k - 2));
    }
    public static void main(String[] args) {
        f = n -> n == 0 ? 0 : 1 + f.apply(n - 1);
        try { System.out.println(f.apply(100000)); } catch (StackOverflowError e) { System.out.println("caught lambda recursion"); }
        try { System.out.println(g(100000)); } catch (StackOverflowError e) { System.out.println("caught computeIfAbsent recursion"); }
        System.out.println("done");
    }
}
