// Records: the toString, equals and hashCode javac has made by invokedynamic (ObjectMethods),
// for components of every kind; compact and custom constructors, accessors that differ from the
// field, records in collections, generic, nested, local and empty records.
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

public class Records {
    record Point(int x, int y) {
        static final Point ORIGIN = new Point(0, 0);

        Point {
            if (x < -1000 || y < -1000) {
                throw new IllegalArgumentException("out of range: " + x + "," + y);
            }
        }

        Point scaled(int k) {
            return new Point(x * k, y * k);
        }

        static Point of(int v) {
            return new Point(v, v);
        }
    }

    record Every(boolean z, byte b, short s, char c, int i, long j, float f, double d, String text, Object ref) {}

    record Line(Point from, Point to) {}

    record Empty() {}

    record Pair<A, B>(A first, B second) {}

    // An accessor that differs from its field: toString, equals and hashCode use the field.
    record Shown(int value) {
        public int value() {
            return 99;
        }
    }

    // A record with its own toString keeps it; equals and hashCode are still made.
    record Named(String name) {
        @Override
        public String toString() {
            return "Named:" + name;
        }
    }

    interface Shape {
        double area();
    }

    record Square(double side) implements Shape {
        public double area() {
            return side * side;
        }
    }

    record Circle(double radius) implements Shape {
        public double area() {
            return 3 * radius * radius;
        }
    }

    // Prints when compared, to show the order the components are compared in.
    static final class Loud {
        final String name;

        Loud(String name) {
            this.name = name;
        }

        @Override
        public boolean equals(Object other) {
            System.out.println("  compare " + name);
            return other instanceof Loud && ((Loud) other).name.equals(name);
        }

        @Override
        public int hashCode() {
            return name.length();
        }

        @Override
        public String toString() {
            return "Loud(" + name + ")";
        }
    }

    record Two(Loud first, Loud second) {}

    static final class Boom {
        @Override
        public String toString() {
            throw new IllegalStateException("no text");
        }
    }

    record Holder(Object inside) {}

    public static void main(String[] args) {
        Point p = new Point(1, 2);
        Point q = new Point(1, 2);
        Point r = new Point(2, 1);
        System.out.println(p + " " + r + " " + Point.ORIGIN + " " + Point.of(7) + " " + p.scaled(3));
        System.out.println(p.x() + " " + p.y());
        System.out.println(p.equals(q) + " " + p.equals(r) + " " + p.equals(p) + " " + p.equals(null) + " " + p.equals("Point[x=1, y=2]"));
        System.out.println(p.hashCode() + " " + q.hashCode() + " " + r.hashCode() + " " + Point.ORIGIN.hashCode());

        Every e = new Every(true, (byte) -5, (short) 300, 'q', -7, 1L << 40, 1.5f, -2.25, "text", null);
        Every e2 = new Every(true, (byte) -5, (short) 300, 'q', -7, 1L << 40, 1.5f, -2.25, "te" + "xt", null);
        System.out.println(e);
        System.out.println(e.hashCode() + " " + e.equals(e2) + " " + (e.hashCode() == e2.hashCode()));
        Every f = new Every(false, Byte.MIN_VALUE, Short.MAX_VALUE, '~', Integer.MIN_VALUE, Long.MIN_VALUE,
                Float.NaN, Double.NEGATIVE_INFINITY, null, List.of(1, 2));
        System.out.println(f);
        System.out.println(f.hashCode() + " " + f.equals(e));

        // Floats and doubles compare as Float.compare and Double.compare do.
        System.out.println(new Square(0.0).equals(new Square(-0.0)) + " " + new Square(Double.NaN).equals(new Square(Double.NaN)));
        System.out.println(new Square(0.0).hashCode() + " " + new Square(-0.0).hashCode() + " " + new Square(Double.NaN).hashCode());
        Every nan1 = new Every(false, (byte) 0, (short) 0, 'a', 0, 0, Float.NaN, 0, null, null);
        Every nan2 = new Every(false, (byte) 0, (short) 0, 'a', 0, 0, Float.NaN, 0, null, null);
        Every zero = new Every(false, (byte) 0, (short) 0, 'a', 0, 0, -0.0f, 0, null, null);
        System.out.println(nan1.equals(nan2) + " " + zero.equals(new Every(false, (byte) 0, (short) 0, 'a', 0, 0, 0.0f, 0, null, null)));
        System.out.println(nan1.hashCode() + " " + zero.hashCode());

        Line line = new Line(p, new Point(3, 4));
        System.out.println(line + " " + line.hashCode() + " " + line.equals(new Line(new Point(1, 2), new Point(3, 4))));
        System.out.println(new Line(null, p) + " " + new Line(null, p).hashCode() + " " + new Line(null, p).equals(new Line(null, p))
                + " " + new Line(null, p).equals(new Line(p, null)));

        System.out.println(new Empty() + " " + new Empty().hashCode() + " " + new Empty().equals(new Empty()) + " " + new Empty().equals(p));

        Pair<String, Integer> pair = new Pair<>("one", 1);
        Pair<Pair<String, Integer>, List<String>> nested = new Pair<>(pair, List.of("a", "b"));
        System.out.println(pair + " " + nested + " " + nested.hashCode() + " " + nested.first().second());

        Shown shown = new Shown(5);
        System.out.println(shown + " " + shown.value() + " " + shown.hashCode() + " " + shown.equals(new Shown(5)));
        Named named = new Named("n");
        System.out.println(named + " " + named.hashCode() + " " + named.equals(new Named("n")) + " " + named.equals(new Named("m")));

        List<Shape> shapes = new ArrayList<>(List.of(new Square(2), new Circle(1), new Square(1.5)));
        shapes.sort(Comparator.comparingDouble(Shape::area));
        System.out.println(shapes);
        // Different record classes with the same components are not equal.
        System.out.println(new Square(1).equals(new Circle(1)) + " " + (new Square(1).hashCode() == new Circle(1).hashCode()));

        Map<Point, String> names = new HashMap<>();
        names.put(p, "p");
        names.put(q, "q");
        names.put(r, "r");
        System.out.println(names.size() + " " + names.get(new Point(1, 2)) + " " + names.get(new Point(2, 1)));
        Set<Pair<String, Integer>> set = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            set.add(new Pair<>("k" + (i % 5), i % 5));
        }
        System.out.println(set.size() + " " + set.contains(new Pair<>("k3", 3)) + " " + set.contains(new Pair<>("k3", 4)));

        record Local(String what, int count) {}
        Local local = new Local("local", 3);
        System.out.println(local + " " + local.hashCode() + " " + local.equals(new Local("local", 3)));

        System.out.println("equals compares the last component first:");
        System.out.println(new Two(new Loud("a"), new Loud("b")).equals(new Two(new Loud("a"), new Loud("b"))));
        System.out.println(new Two(new Loud("a"), new Loud("b")).equals(new Two(new Loud("a"), new Loud("c"))));
        System.out.println(new Two(new Loud("a"), new Loud("b")).hashCode());

        try {
            new Point(-5000, 0);
        } catch (IllegalArgumentException error) {
            System.out.println("compact constructor: " + error.getMessage());
        }
        try {
            System.out.println(new Holder(new Boom()));
        } catch (IllegalStateException error) {
            System.out.println("component toString threw: " + error.getMessage());
        }
        Point nobody = null;
        try {
            System.out.println(nobody.equals(p));
        } catch (NullPointerException error) {
            System.out.println("null record: NullPointerException");
        }
        System.out.println(new Holder(new Holder(null)) + " " + new Holder(new Holder(null)).hashCode());
    }
}
