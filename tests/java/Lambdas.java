// Lambdas: lambdas capturing locals and `this`, method references (static, bound, unbound, constructor),
// the java.util.function interfaces, boxing through generic functional interfaces, higher-order lambdas.
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntBinaryOperator;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

public class Lambdas {
    interface TriFunction<A, B, C, R> {
        R apply(A a, B b, C c);
    }

    @FunctionalInterface
    interface IntTransformer {
        int transform(int x);

        default IntTransformer twice() {
            return x -> transform(transform(x));
        }
    }

    private final String prefix;
    private int calls = 0;

    Lambdas(String prefix) {
        this.prefix = prefix;
    }

    String decorate(String s) {
        calls++;
        return prefix + s;
    }

    Function<String, String> decorator() {
        return s -> this.decorate(s) + "!";
    }

    Supplier<Integer> callCounter() {
        return () -> calls;
    }

    static int square(int x) {
        return x * x;
    }

    static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        for (int d = 2; d * d <= n; d++) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    static <T, R> List<R> map(List<T> in, Function<? super T, ? extends R> f) {
        List<R> out = new ArrayList<>();
        for (T t : in) {
            out.add(f.apply(t));
        }
        return out;
    }

    static <T> List<T> filter(List<T> in, Predicate<T> p) {
        List<T> out = new ArrayList<>();
        for (T t : in) {
            if (p.test(t)) {
                out.add(t);
            }
        }
        return out;
    }

    static <T> T reduce(List<T> in, T identity, BinaryOperator<T> op) {
        T acc = identity;
        for (T t : in) {
            acc = op.apply(acc, t);
        }
        return acc;
    }

    static int fold(int[] xs, int init, IntBinaryOperator op) {
        int acc = init;
        for (int x : xs) {
            acc = op.applyAsInt(acc, x);
        }
        return acc;
    }

    static class Box {
        final int value;

        Box(int value) {
            this.value = value;
        }

        Box(String s) {
            this(s.length());
        }

        int get() {
            return value;
        }

        @Override
        public String toString() {
            return "Box(" + value + ")";
        }
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) {
        // capturing locals (effectively final) and arrays as mutable cells
        int base = 10;
        String sep = "::";
        Function<Integer, Integer> addBase = x -> x + base;
        BiFunction<String, String, String> joiner = (a, b) -> a + sep + b;
        System.out.println("addBase " + addBase.apply(5) + " joiner " + joiner.apply("l", "r"));
        int[] counter = {0};
        Runnable inc = () -> counter[0]++;
        for (int i = 0; i < 5; i++) {
            inc.run();
        }
        System.out.println("counter " + counter[0]);

        // capturing this
        Lambdas obj = new Lambdas(">> ");
        Function<String, String> deco = obj.decorator();
        System.out.println(deco.apply("a") + " " + deco.apply("b") + " calls=" + obj.callCounter().get());

        // method references
        Function<Integer, Integer> sq = Lambdas::square;
        Function<String, Integer> len = String::length;
        Function<String, String> bound = obj::decorate;
        Supplier<List<String>> newList = ArrayList::new;
        Function<Integer, Box> boxer = Box::new;
        Function<String, Box> strBoxer = Box::new;
        Function<Box, Integer> unboxer = Box::get;
        BiFunction<String, Integer, Character> charAt = String::charAt;
        Function<Integer, int[]> arrMaker = int[]::new;
        Predicate<Integer> prime = Lambdas::isPrime;
        System.out.println("sq " + sq.apply(12) + " len " + len.apply("hello") + " bound " + bound.apply("x") + " calls="
                + obj.callCounter().get());
        List<String> made = newList.get();
        made.add("fresh");
        System.out.println("ctor ref " + made + " " + boxer.apply(3) + " " + strBoxer.apply("four") + " "
                + unboxer.apply(new Box(9)) + " " + charAt.apply("lambda", 2) + " " + arrMaker.apply(4).length);
        String target = "stardust";
        Predicate<String> startsWithTarget = target::startsWith;
        System.out.println("bound startsWith " + startsWithTarget.test("star") + " " + startsWithTarget.test("dust"));

        // all the listed functional interfaces
        Supplier<String> supplier = () -> "supplied";
        Consumer<String> printer = s -> System.out.println("consumed " + s);
        Consumer<String> both = printer.andThen(s -> System.out.println("then " + s.toUpperCase()));
        Predicate<Integer> even = n -> n % 2 == 0;
        Predicate<Integer> positive = n -> n > 0;
        UnaryOperator<String> shout = s -> s + "!";
        BinaryOperator<Integer> mul = (a, b) -> a * b;
        IntBinaryOperator gcd = (a, b) -> {
            while (b != 0) {
                int t = a % b;
                a = b;
                b = t;
            }
            return a;
        };
        both.accept(supplier.get());
        System.out.println("predicates " + even.test(4) + " " + even.negate().test(4) + " " + even.and(positive).test(-2)
                + " " + even.or(positive).test(-2) + " " + even.or(positive).test(3));
        System.out.println("unary " + shout.apply("hey") + " binary " + mul.apply(6, 7) + " gcd " + gcd.applyAsInt(84, 36));
        Function<Integer, Integer> plus1 = x -> x + 1;
        Function<Integer, Integer> times2 = x -> x * 2;
        System.out.println("compose " + plus1.andThen(times2).apply(5) + " " + plus1.compose(times2).apply(5) + " "
                + Function.<Integer>identity().apply(77));
        BiFunction<Integer, Integer, Integer> pow = (b, e) -> (int) Math.pow(b, e);
        System.out.println("bifunction andThen " + pow.andThen(x -> x - 1).apply(2, 10));
        TriFunction<Integer, Long, Double, String> tri = (a, b, c) -> a + "|" + b + "|" + c;
        System.out.println("custom " + tri.apply(1, 2L, 3.5));
        IntTransformer addThree = x -> x + 3;
        System.out.println("default method on lambda " + addThree.twice().transform(10) + " "
                + addThree.twice().twice().transform(0));

        // boxing/unboxing through generics
        List<Integer> nums = new ArrayList<>();
        for (int i = 1; i <= 15; i++) {
            nums.add(i);
        }
        System.out.println("map squares " + map(nums, sq));
        System.out.println("filter primes " + filter(nums, prime));
        System.out.println("reduce sum " + reduce(nums, 0, Integer::sum) + " product of 1..10 "
                + reduce(filter(nums, n -> n <= 10), 1, mul));
        System.out.println("map to strings " + map(filter(nums, even), n -> "#" + n));
        System.out.println("fold max " + fold(new int[] {3, 9, -2, 7}, Integer.MIN_VALUE, Math::max) + " fold sum "
                + fold(new int[] {1, 2, 3, 4}, 0, (a, b) -> a + b));
        Function<Double, Long> rounder = Math::round;
        Function<Long, Double> halver = l -> l / 2.0;
        System.out.println("boxing chain " + rounder.andThen(halver).apply(7.6));
        Function<Character, Boolean> isDigit = Character::isDigit;
        System.out.println("char boxing " + isDigit.apply('7') + " " + isDigit.apply('x'));

        // lambdas returning lambdas (currying)
        Function<Integer, Function<Integer, Integer>> adder = a -> b -> a + b;
        Function<Integer, Integer> add5 = adder.apply(5);
        System.out.println("curried " + add5.apply(10) + " " + adder.apply(-3).apply(3));
        Function<Integer, Function<Integer, Function<Integer, Integer>>> curried3 = a -> b -> c -> a * 100 + b * 10 + c;
        System.out.println("curried3 " + curried3.apply(1).apply(2).apply(3));
        Supplier<Supplier<String>> nested = () -> () -> "deep";
        System.out.println("nested supplier " + nested.get().get());

        // list of runnables capturing loop variables
        List<Runnable> tasks = new ArrayList<>();
        StringBuilder log = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            final int id = i;
            tasks.add(() -> log.append("task").append(id).append(' '));
        }
        for (Runnable r : tasks) {
            r.run();
        }
        System.out.println("runnables " + log.toString().trim());
        Runnable anon = new Runnable() {
            @Override
            public void run() {
                System.out.println("anonymous runnable");
            }
        };
        anon.run();

        // memoising via a captured array and a recursive lambda through a holder
        long[] memo = new long[60];
        Function<Integer, Long>[] fib = new Function[1];
        fib[0] = n -> {
            if (n < 2) {
                return (long) n;
            }
            if (memo[n] != 0) {
                return memo[n];
            }
            long v = fib[0].apply(n - 1) + fib[0].apply(n - 2);
            memo[n] = v;
            return v;
        };
        System.out.println("fib(50) " + fib[0].apply(50));

        // sorting with lambdas and forEach with method reference
        List<String> words = new ArrayList<>(Arrays.asList("delta", "Alpha", "charlie", "bravo", "echo"));
        words.sort((a, b) -> a.toLowerCase().compareTo(b.toLowerCase()));
        System.out.println("ignore-case sort " + words);
        words.sort((a, b) -> Integer.compare(b.length(), a.length()));
        words.forEach(System.out::println);
    }
}
