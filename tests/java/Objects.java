// Objects: class hierarchies (virtual/interface/static/super calls), abstract classes, default/static interface
// methods, inner/nested/anonymous classes, static init order, instanceof/casts, and arrays of every kind.
import java.util.Arrays;

public class Objects {
    interface Shape {
        double area();

        default String describe() {
            return name() + " with area " + String.format("%.2f", area());
        }

        String name();

        static Shape unit() {
            return new Square(1);
        }
    }

    interface Scalable {
        Shape scale(int factor);
    }

    static abstract class Base implements Shape {
        static int created = 0;
        protected final String tag;

        Base(String tag) {
            this.tag = tag;
            created++;
        }

        public String name() {
            return tag;
        }

        abstract int sides();

        public String toString() {
            return "Base[" + name() + "," + sides() + "]";
        }
    }

    static class Square extends Base implements Scalable {
        final int side;

        Square(int side) {
            super("square");
            this.side = side;
        }

        public double area() {
            return side * side;
        }

        int sides() {
            return 4;
        }

        public Shape scale(int factor) {
            return new Square(side * factor);
        }
    }

    static class Circle extends Base {
        final double r;

        Circle(double r) {
            super("circle");
            this.r = r;
        }

        public double area() {
            return Math.PI * r * r;
        }

        int sides() {
            return 0;
        }

        @Override
        public String describe() {
            return "round " + super.describe();
        }
    }

    static class Hexagon implements Shape {
        public double area() {
            return 6;
        }

        public String name() {
            return "hexagon";
        }

        @Override
        public String describe() {
            return "six-sided " + Shape.super.describe();
        }

        @Override
        public String toString() {
            return "Hexagon";
        }
    }

    static class ColoredSquare extends Square {
        final String color;

        ColoredSquare(int side, String color) {
            super(side);
            this.color = color;
        }

        @Override
        public String name() {
            return color + " " + super.name();
        }

        @Override
        public String toString() {
            return "Colored" + super.toString();
        }
    }

    // static initialisation order across three classes
    static class InitA {
        static final String A_NAME;

        static {
            System.out.println("static init InitA");
            A_NAME = "A";
        }

        InitA() {
            System.out.println("ctor InitA");
        }
    }

    static class InitB extends InitA {
        static int counter = next("InitB.counter");

        static {
            System.out.println("static init InitB, counter=" + counter);
        }

        int field = next("InitB.field");

        InitB() {
            super();
            System.out.println("ctor InitB field=" + field);
        }
    }

    static class InitC {
        static final int CONSTANT = 99; // compile-time constant: no init triggered
        static int value;

        static {
            System.out.println("static init InitC");
            value = InitB.counter + 100;
        }

        static int get() {
            return value;
        }
    }

    static int seq = 0;

    static int next(String what) {
        seq++;
        System.out.println("  init " + what + " -> " + seq);
        return seq;
    }

    // inner class with access to the outer instance
    private int outerValue = 10;

    class Inner {
        int twice() {
            return outerValue * 2;
        }
    }

    static class Counter {
        private int count;

        void inc() {
            count++;
        }

        int get() {
            return count;
        }

        static Counter of(int n) {
            Counter c = new Counter();
            for (int i = 0; i < n; i++) {
                c.inc();
            }
            return c;
        }
    }

    static class Node {
        int val;
        Node next;

        Node(int val, Node next) {
            this.val = val;
            this.next = next;
        }
    }

    static class Pair {
        final int a;
        final String b;

        Pair(int a, String b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Pair)) {
                return false;
            }
            Pair p = (Pair) o;
            return a == p.a && b.equals(p.b);
        }

        @Override
        public int hashCode() {
            return 31 * a + b.hashCode();
        }

        @Override
        public String toString() {
            return "(" + a + "," + b + ")";
        }
    }

    static String classify(Object o) {
        if (o instanceof ColoredSquare) {
            return "ColoredSquare";
        } else if (o instanceof Square) {
            return "Square";
        } else if (o instanceof Shape) {
            return "Shape";
        } else if (o instanceof String) {
            return "String of length " + ((String) o).length();
        } else if (o instanceof int[]) {
            return "int[] of length " + ((int[]) o).length;
        } else if (o instanceof Object[]) {
            return "Object[] of length " + ((Object[]) o).length;
        } else if (o == null) {
            return "null";
        }
        return "other " + o.getClass().getName();
    }

    public static void main(String[] args) {
        System.out.println("main starts");
        System.out.println("InitC.CONSTANT " + InitC.CONSTANT);
        System.out.println("InitC.get() " + InitC.get());
        new InitB();
        new InitB();
        System.out.println("InitA.A_NAME " + InitA.A_NAME);

        Shape[] shapes = {new Square(3), new Circle(1.5), new ColoredSquare(2, "red"), Shape.unit(), new Hexagon()};
        for (Shape s : shapes) {
            System.out.println(s.describe() + " / " + s + " / " + classify(s));
        }
        System.out.println("created " + Base.created);
        Scalable sc = new ColoredSquare(5, "blue");
        Shape scaled = sc.scale(3);
        System.out.println("scaled " + scaled.describe() + " " + scaled.getClass().getName());
        Base base = (Base) shapes[2];
        System.out.println("via Base: " + base.name() + " sides " + base.sides());

        Objects outer = new Objects();
        Objects.Inner inner = outer.new Inner();
        outer.outerValue = 21;
        System.out.println("inner twice " + inner.twice());
        System.out.println("static nested " + Counter.of(7).get());

        // anonymous classes, one capturing a local
        final int bonus = 5;
        Shape anon = new Shape() {
            public double area() {
                return 10 + bonus;
            }

            public String name() {
                return "anon";
            }
        };
        System.out.println(anon.describe());
        Base anonBase = new Base("tri") {
            public double area() {
                return 0.5 * 3 * 4;
            }

            int sides() {
                return 3;
            }
        };
        System.out.println(anonBase + " " + anonBase.describe());

        // equals/hashCode overrides
        Pair p1 = new Pair(1, "x");
        Pair p2 = new Pair(1, "x");
        Pair p3 = new Pair(2, "x");
        System.out.println("pair equals " + p1.equals(p2) + " " + p1.equals(p3) + " " + (p1 == p2) + " hash "
                + p1.hashCode() + " " + p1.equals("x"));

        // linked structure
        Node head = null;
        for (int i = 1; i <= 5; i++) {
            head = new Node(i * i, head);
        }
        StringBuilder sb = new StringBuilder();
        for (Node n = head; n != null; n = n.next) {
            sb.append(n.val).append(n.next != null ? "->" : "");
        }
        System.out.println("list " + sb);

        // instanceof and casts
        Object[] things = {"text", new int[3], new String[2], Integer.valueOf(4), null, new ColoredSquare(1, "g")};
        for (Object t : things) {
            System.out.println("classify: " + classify(t));
        }
        Object o = "not a shape";
        try {
            Shape bad = (Shape) o;
            System.out.println("unexpected " + bad.name());
        } catch (ClassCastException e) {
            System.out.println("caught " + e.getClass().getName());
        }
        try {
            Object num = Integer.valueOf(3);
            String str = (String) num;
            System.out.println("unexpected " + str);
        } catch (ClassCastException e) {
            System.out.println("caught " + e.getClass().getName());
        }
        Object nothing = null;
        String castNull = (String) nothing;
        System.out.println("cast null ok " + (castNull == null) + " instanceof null " + (nothing instanceof String));

        // arrays of every kind and their default values
        int[] ia = new int[3];
        long[] la = new long[2];
        double[] da = new double[2];
        float[] fa = new float[2];
        char[] ca = new char[2];
        byte[] ba = new byte[2];
        short[] sa = new short[2];
        boolean[] za = new boolean[2];
        String[] stra = new String[2];
        System.out.println("defaults " + Arrays.toString(ia) + Arrays.toString(la) + Arrays.toString(da)
                + Arrays.toString(fa) + " char0=" + (int) ca[0] + " " + Arrays.toString(ba) + Arrays.toString(sa)
                + Arrays.toString(za) + Arrays.toString(stra));
        ia[0] = 7;
        ia[2] = -1;
        la[1] = Long.MIN_VALUE;
        da[0] = 0.5;
        fa[1] = 2.5f;
        ca[0] = 'h';
        ca[1] = 'i';
        ba[0] = (byte) 200;
        sa[1] = (short) 40000;
        za[1] = true;
        stra[0] = "s";
        System.out.println("stored " + Arrays.toString(ia) + Arrays.toString(la) + Arrays.toString(da)
                + Arrays.toString(fa) + Arrays.toString(ca) + Arrays.toString(ba) + Arrays.toString(sa)
                + Arrays.toString(za) + Arrays.toString(stra));
        byte[] bytes = {1, 2, 3};
        bytes[1] += 126;
        System.out.println("byte wrap " + bytes[1] + " sum " + (bytes[0] + bytes[1] + bytes[2]));
        char[] word = {'j', 'a', 'v', 'a'};
        word[0]++;
        System.out.println("char array " + new String(word) + " " + word.length);

        // multi-dimensional arrays
        int[][] grid = new int[3][4];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                grid[r][c] = r * 10 + c;
            }
        }
        System.out.println("grid " + Arrays.toString(grid[0]) + Arrays.toString(grid[2]) + " rows " + grid.length);
        long[][][] cube = new long[2][3][4];
        cube[1][2][3] = 123L;
        long total = 0;
        for (long[][] plane : cube) {
            for (long[] row : plane) {
                for (long v : row) {
                    total += v + 1;
                }
            }
        }
        System.out.println("cube total " + total + " dims " + cube.length + "x" + cube[0].length + "x" + cube[0][0].length);
        double[][][] partial = new double[2][2][];
        System.out.println("partial null " + (partial[1][1] == null));
        int[][] jagged = new int[4][];
        for (int r = 0; r < jagged.length; r++) {
            jagged[r] = new int[r + 1];
            for (int c = 0; c <= r; c++) {
                jagged[r][c] = (r == 0 || c == 0 || c == r) ? 1 : jagged[r - 1][c - 1] + jagged[r - 1][c];
            }
        }
        for (int[] row : jagged) {
            System.out.println("pascal " + Arrays.toString(row));
        }
        String[][] names = {{"a", "b"}, {"c"}, {}};
        System.out.println("names " + names[0][1] + names[1][0] + " lengths " + names[0].length + names[1].length
                + names[2].length);
        char[][] board = new char[2][3];
        for (char[] row : board) {
            Arrays.fill(row, '.');
        }
        board[1][2] = '#';
        System.out.println("board " + new String(board[0]) + "/" + new String(board[1]));

        // arraycopy, clone, Arrays
        int[] src = {1, 2, 3, 4, 5, 6, 7, 8};
        int[] dst = new int[10];
        System.arraycopy(src, 2, dst, 1, 4);
        System.out.println("arraycopy " + Arrays.toString(dst));
        System.arraycopy(src, 0, src, 2, 5);
        System.out.println("overlap " + Arrays.toString(src));
        try {
            System.arraycopy(src, 5, dst, 0, 10);
        } catch (IndexOutOfBoundsException e) {
            System.out.println("arraycopy bounds " + e.getClass().getName());
        }
        int[] cl = src.clone();
        cl[0] = 100;
        System.out.println("clone " + Arrays.toString(cl) + " orig " + src[0] + " same " + (cl == src));
        int[][] deep = {{1, 2}, {3}};
        int[][] shallow = deep.clone();
        shallow[0][0] = 9;
        System.out.println("shallow clone shares rows " + deep[0][0]);
        int[] unsorted = {5, -2, 9, 0, 3, 3, -7};
        int[] copy = Arrays.copyOf(unsorted, 9);
        Arrays.sort(unsorted);
        System.out.println("sorted " + Arrays.toString(unsorted) + " copyOf " + Arrays.toString(copy));
        System.out.println("copyOfRange " + Arrays.toString(Arrays.copyOfRange(unsorted, 2, 5)) + " equals "
                + Arrays.equals(unsorted, new int[] {-7, -2, 0, 3, 3, 5, 9}) + " " + Arrays.equals(unsorted, copy));
        double[] ds = {3.5, -1.0, 2.25, 0.0};
        Arrays.sort(ds);
        System.out.println("sorted doubles " + Arrays.toString(ds));
        long[] ls = new long[4];
        Arrays.fill(ls, 7L);
        System.out.println("fill " + Arrays.toString(ls));
        char[] cs = "sorting".toCharArray();
        Arrays.sort(cs);
        System.out.println("sorted chars " + Arrays.toString(cs));
        String[] ss = {"pear", "apple", "fig", "banana"};
        Arrays.sort(ss);
        System.out.println("sorted strings " + Arrays.toString(ss));
        String[] sc2 = Arrays.copyOf(ss, 2);
        System.out.println("copyOf strings " + Arrays.toString(sc2) + " " + sc2.getClass().getName());

        // class names
        Object[] forNames = {new int[0], new long[0], new double[0], new float[0], new char[0], new byte[0],
            new short[0], new boolean[0], new String[0], new int[0][0], new Object[0], new Square[0], new Square(1),
            new ColoredSquare(1, "x"), inner, "s", new Objects(), new String[1][1][1]};
        StringBuilder cn = new StringBuilder();
        for (Object x : forNames) {
            cn.append(x.getClass().getName()).append(' ');
        }
        System.out.println("class names " + cn.toString().trim());
        System.out.println("anon class " + anon.getClass().getName());

        // ArrayStoreException via covariant arrays
        Object[] objs = new String[2];
        try {
            objs[0] = "fine";
            objs[1] = Integer.valueOf(1);
        } catch (ArrayStoreException e) {
            System.out.println("caught " + e.getClass().getName() + " after " + objs[0]);
        }
        // Out of bounds comes before the store check, and null before both.
        try {
            objs[5] = Integer.valueOf(2);
        } catch (ArrayIndexOutOfBoundsException | ArrayStoreException e) {
            System.out.println("caught " + e.getClass().getName() + ": " + e.getMessage());
        }
        try {
            objs[-1] = Integer.valueOf(4);
        } catch (ArrayIndexOutOfBoundsException | ArrayStoreException e) {
            System.out.println("caught " + e.getClass().getName() + ": " + e.getMessage());
        }
        try {
            Object[] none = null;
            none[0] = null;
        } catch (NullPointerException e) {
            System.out.println("caught " + e.getClass().getName() + " storing null");
        }
        try {
            Object[] none = null;
            none[5] = Integer.valueOf(3);
        } catch (NullPointerException | ArrayIndexOutOfBoundsException e) {
            System.out.println("caught " + e.getClass().getName());
        }
        System.out.println("main ends");
    }
}
