// Enums: enums with fields, constructors, methods and per-constant bodies, values/valueOf (and its failure),
// ordinal/name/compareTo, switch on enum, enums in collections (sorted list, enum-keyed counts via ordinal arrays).
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public class Enums {
    enum Color {
        RED, GREEN, BLUE
    }

    enum Planet {
        MERCURY(3.303e+23, 2.4397e6),
        EARTH(5.976e+24, 6.37814e6),
        JUPITER(1.9e+27, 7.1492e7);

        static final double G = 6.67300E-11;
        private final double mass;
        private final double radius;

        Planet(double mass, double radius) {
            this.mass = mass;
            this.radius = radius;
        }

        double surfaceGravity() {
            return G * mass / (radius * radius);
        }
    }

    enum Op {
        ADD("+") {
            int apply(int a, int b) {
                return a + b;
            }
        },
        SUB("-") {
            int apply(int a, int b) {
                return a - b;
            }
        },
        MUL("*") {
            int apply(int a, int b) {
                return a * b;
            }

            @Override
            boolean commutative() {
                return true;
            }
        },
        DIV("/") {
            int apply(int a, int b) {
                return a / b;
            }
        };

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        abstract int apply(int a, int b);

        boolean commutative() {
            return this == ADD;
        }

        @Override
        public String toString() {
            return name().toLowerCase() + "(" + symbol + ")";
        }
    }

    interface Describable {
        String describe();
    }

    enum Level implements Describable {
        LOW(1), MEDIUM(5), HIGH(10), CRITICAL(100);

        private final int weight;
        private static int totalWeight;

        static {
            for (Level l : values()) {
                totalWeight += l.weight;
            }
        }

        Level(int weight) {
            this.weight = weight;
        }

        public String describe() {
            return name() + "#" + ordinal() + " w=" + weight;
        }

        Level next() {
            Level[] all = values();
            return all[(ordinal() + 1) % all.length];
        }

        static int total() {
            return totalWeight;
        }
    }

    static String mood(Color c) {
        switch (c) {
            case RED:
                return "angry";
            case GREEN:
                return "calm";
            default:
                return "sad";
        }
    }

    static int score(Level l) {
        int s = 0;
        switch (l) {
            case CRITICAL:
                s += 1000;
            case HIGH:
                s += 100;
            case MEDIUM:
                s += 10;
                break;
            case LOW:
                s = -1;
                break;
        }
        return s;
    }

    public static void main(String[] args) {
        for (Color c : Color.values()) {
            System.out.println(c + " name=" + c.name() + " ordinal=" + c.ordinal() + " mood=" + mood(c));
        }
        System.out.println("values length " + Color.values().length + " fresh copy " + (Color.values() != Color.values()));
        Color g = Color.valueOf("GREEN");
        System.out.println("valueOf " + g + " same " + (g == Color.GREEN) + " equals " + g.equals(Color.GREEN));
        try {
            Color.valueOf("PURPLE");
        } catch (IllegalArgumentException e) {
            System.out.println("valueOf failed: " + e.getMessage());
        }
        try {
            Color.valueOf(null);
        } catch (NullPointerException e) {
            System.out.println("valueOf(null) " + e.getClass().getName());
        }
        System.out.println("compareTo " + Color.RED.compareTo(Color.BLUE) + " " + Color.BLUE.compareTo(Color.RED) + " "
                + Color.GREEN.compareTo(Color.GREEN));
        System.out.println("class " + Color.RED.getClass().getName());

        for (Planet p : Planet.values()) {
            System.out.printf("%-8s gravity %.2f%n", p, p.surfaceGravity());
        }

        for (Op op : Op.values()) {
            System.out.println(op + " 12,4 -> " + op.apply(12, 4) + " commutative " + op.commutative() + " name "
                    + op.name() + " class " + op.getClass().getName());
        }
        try {
            Op.DIV.apply(1, 0);
        } catch (ArithmeticException e) {
            System.out.println("enum method threw " + e.getMessage());
        }

        for (Level l : Level.values()) {
            System.out.println(l.describe() + " next=" + l.next() + " score=" + score(l));
        }
        System.out.println("total weight " + Level.total());
        Describable d = Level.HIGH;
        System.out.println("via interface " + d.describe());

        // enums in a list, sorted by natural (ordinal) order and by a custom key
        List<Level> levels = new ArrayList<>();
        levels.add(Level.HIGH);
        levels.add(Level.LOW);
        levels.add(Level.CRITICAL);
        levels.add(Level.MEDIUM);
        levels.add(Level.LOW);
        Collections.sort(levels);
        System.out.println("sorted " + levels);
        levels.sort((a, b) -> a.name().compareTo(b.name()));
        System.out.println("by name " + levels);
        System.out.println("max " + Collections.max(levels) + " min " + Collections.min(levels) + " indexOf HIGH "
                + levels.indexOf(Level.HIGH) + " contains " + levels.contains(Level.CRITICAL));

        // counting by ordinal
        int[] counts = new int[Color.values().length];
        String data = "RED,BLUE,RED,GREEN,RED,BLUE";
        for (String s : data.split(",")) {
            counts[Color.valueOf(s).ordinal()]++;
        }
        for (Color c : Color.values()) {
            System.out.println("count " + c + " = " + counts[c.ordinal()]);
        }

        // switch on enum inside a loop with a String-producing expression
        StringBuilder sb = new StringBuilder();
        for (Op op : Op.values()) {
            switch (op) {
                case ADD:
                case SUB:
                    sb.append("additive ");
                    break;
                case MUL:
                    sb.append("multiplicative ");
                    break;
                default:
                    sb.append("other ");
            }
        }
        System.out.println(sb.toString().trim());
        Color nothing = null;
        try {
            mood(nothing);
        } catch (NullPointerException e) {
            System.out.println("switch on null enum " + e.getClass().getName());
        }
        System.out.println("enum hash stable " + (Color.RED.hashCode() == Color.RED.hashCode()));
    }
}
