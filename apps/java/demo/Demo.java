// profile-java's default program: a little of everything the VM runs (classes, interfaces,
// lambdas, string concatenation, collections, exceptions), and its arguments.
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class Demo {
    interface Shape {
        double area();

        default String describe() {
            return getClass().getSimpleName() + " of area " + String.format("%.2f", area());
        }
    }

    static final class Circle implements Shape {
        private final double radius;

        Circle(double radius) {
            this.radius = radius;
        }

        public double area() {
            return Math.PI * radius * radius;
        }
    }

    static final class Square implements Shape {
        private final double side;

        Square(double side) {
            this.side = side;
        }

        public double area() {
            return side * side;
        }
    }

    public static void main(String[] args) {
        System.out.println("Hello from Java on Stardust!");
        for (int i = 0; i < args.length; i++) {
            System.out.println("argument " + (i + 1) + ": " + args[i]);
        }
        List<Shape> shapes = new ArrayList<>();
        shapes.add(new Circle(1.5));
        shapes.add(new Square(2));
        shapes.sort((a, b) -> Double.compare(a.area(), b.area()));
        shapes.forEach(shape -> System.out.println(shape.describe()));
        Map<String, Integer> lengths = new HashMap<>();
        for (String word : "the quick brown fox jumps over the lazy dog".split(" ")) {
            lengths.merge(word, 1, Integer::sum);
        }
        System.out.println("words " + lengths);
        try {
            System.out.println(10 / (args.length - args.length));
        } catch (ArithmeticException e) {
            System.out.println("caught " + e);
        }
    }
}
