// Strings: String methods, StringBuilder and StringBuffer, concatenation of every primitive type/null/char, String.format,
// switch on String, hashCode/compareTo, split/join, number parsing/printing, boxing and the Integer cache.
import java.util.Arrays;

public class Strings {
    static class Point {
        int x, y;

        Point(int x, int y) {
            this.x = x;
            this.y = y;
        }

        @Override
        public String toString() {
            return "Point(" + x + ", " + y + ")";
        }
    }

    static String kind(String s) {
        switch (s) {
            case "apple":
            case "pear":
                return "fruit";
            case "carrot":
                return "vegetable";
            case "":
                return "empty";
            default:
                return "unknown";
        }
    }

    public static void main(String[] args) {
        String s = "Hello, World";
        System.out.println("length " + s.length() + " charAt(4) " + s.charAt(4) + " isEmpty " + s.isEmpty() + " "
                + "".isEmpty());
        System.out.println("substring " + s.substring(7) + "|" + s.substring(0, 5) + "|" + s.substring(12) + "|");
        System.out.println("indexOf " + s.indexOf('o') + " " + s.indexOf("World") + " " + s.indexOf("xyz") + " "
                + s.indexOf('z'));
        System.out.println("lastIndexOf " + s.lastIndexOf('o') + " " + s.lastIndexOf("l") + " " + s.lastIndexOf("q"));
        System.out.println("case " + s.toUpperCase() + " " + s.toLowerCase());
        System.out.println("starts/ends " + s.startsWith("Hell") + " " + s.startsWith("World") + " "
                + s.endsWith("World") + " " + s.endsWith(""));
        System.out.println("contains " + s.contains("lo, W") + " " + s.contains("low"));
        System.out.println("replace " + s.replace('l', 'L') + " " + s.replace("World", "Java") + " "
                + "aaaa".replace("aa", "b") + " " + "abc".replace("", "-"));
        System.out.println("trim [" + "  \t padded \n ".trim() + "] [" + "   ".trim() + "]");
        System.out.println("repeat " + "ab".repeat(3) + "|" + "x".repeat(0) + "|");
        System.out.println("equals " + s.equals("Hello, World") + " " + s.equals("hello, world") + " "
                + s.equalsIgnoreCase("hello, world") + " " + s.equals(null));
        char[] chars = "stardust".toCharArray();
        Arrays.sort(chars);
        System.out.println("toCharArray sorted " + new String(chars) + " " + chars.length);
        System.out.println("valueOf " + String.valueOf(42) + String.valueOf('c') + String.valueOf(true)
                + String.valueOf(2.5) + String.valueOf(7L) + String.valueOf(1.5f) + String.valueOf(chars));

        // concatenation with every primitive type, null and objects
        byte b = -5;
        short sh = 300;
        char c = 'Q';
        int i = 123;
        long l = 9876543210L;
        float f = 1.25f;
        double d = -0.5;
        boolean z = true;
        String nul = null;
        Object o = null;
        Point p = new Point(3, 4);
        String all = "b=" + b + " s=" + sh + " c=" + c + " i=" + i + " l=" + l + " f=" + f + " d=" + d + " z=" + z
                + " null=" + nul + " o=" + o + " p=" + p;
        System.out.println(all);
        System.out.println(1 + 2 + "x" + 1 + 2);
        System.out.println('a' + 'b' + "c" + 'd' + 'e');
        System.out.println("" + c + c + (char) (c + 1));
        String acc = "";
        for (int k = 0; k < 5; k++) {
            acc += k;
            acc += ',';
        }
        System.out.println("acc " + acc);
        String withNull = null;
        withNull += "!";
        System.out.println(withNull);

        // StringBuilder
        StringBuilder sb = new StringBuilder();
        sb.append("abc").append(1).append('x').append(2L).append(3.5).append(4.5f).append(true).append((Object) null)
                .append(p).append(new char[] {'h', 'i'});
        System.out.println("sb " + sb + " len " + sb.length());
        sb.setLength(3);
        sb.insert(0, "<<").insert(sb.length(), ">>").insert(2, 42);
        System.out.println("insert " + sb.toString());
        sb.reverse();
        System.out.println("reverse " + sb);
        sb.setCharAt(0, '[');
        sb.deleteCharAt(sb.length() - 1);
        System.out.println("setCharAt/deleteCharAt " + sb + " charAt(1)=" + sb.charAt(1));
        sb.setLength(0);
        for (int k = 0; k < 10; k++) {
            sb.append(k * k).append(' ');
        }
        System.out.println("squares " + sb.toString().trim());
        StringBuilder pal = new StringBuilder("racecar");
        System.out.println("palindrome " + pal.reverse().toString().equals("racecar"));

        // String.format / printf
        System.out.println(String.format("[%d] [%5d] [%-5d] [%05d] [%d]", 42, 42, 42, 42, -42));
        System.out.println(String.format("[%s] [%10s] [%-10s] [%s] [%s]", "hi", "right", "left", null, p));
        System.out.println(String.format("%-8s|%8s|", "name", "value"));
        System.out.println(String.format("hex %x %x %x %x", 255, -1, -123, 0x7fffffffL));
        System.out.println(String.format("hex long %x %x", -1L, 1L << 40));
        System.out.println(String.format("%.3f %.3f %.3f %.2f %.2f %.2f", 0.125, 2.675, 1.005, 0.125, 2.675, 1.005));
        System.out.println(String.format("%.0f %.0f %.0f %.1f %.1f", 0.5, 1.5, 2.5, 0.05, 0.15));
        System.out.println(String.format("%f %f %f %.4f", Math.PI, 1.0 / 3, -2.5, 1e-5));
        System.out.println(String.format("[%8.3f] [%-9.2f] [%.2f]", Math.E, -1.5, 123456.789));
        System.out.println(String.format("%e %e %e", 12345.678, 0.000123, -1.0));
        System.out.println(String.format("%b %b %b %c %c", true, false, null, 'x', 65));
        System.out.print(String.format("line1%nline2%n"));
        System.out.printf("%s has %d chars, first %c%n", s, s.length(), s.charAt(0));
        System.out.printf("%d%%%n", 50);
        System.out.printf("%5s|%-5s|%5d|%-5d|%n", "a", "b", 1, 2);

        // switch on String
        String[] words = {"apple", "carrot", "pear", "", "stone"};
        for (String w : words) {
            System.out.println("kind(" + w + ") = " + kind(w));
        }

        // hashCode and compareTo
        String[] hs = {"", "a", "abc", "Hello, World", "The quick brown fox jumps over the lazy dog", "Aa", "BB",
            "polygenelubricants"};
        for (String h : hs) {
            System.out.println("hash \"" + h + "\" = " + h.hashCode());
        }
        System.out.println("compareTo " + "apple".compareTo("banana") + " " + "b".compareTo("a") + " "
                + "abc".compareTo("abc") + " " + "ab".compareTo("abcd") + " " + "Z".compareTo("a") + " "
                + "hello".compareTo("help"));

        // split / join
        System.out.println(Arrays.toString("a,b,,c,,".split(",")));
        System.out.println(Arrays.toString("one two  three".split(" ")));
        System.out.println(Arrays.toString("key=value".split("=")));
        System.out.println(Arrays.toString("no-separator".split(",")));
        System.out.println(Arrays.toString("a::b::c".split("::")));
        System.out.println("split count " + "1,2,3,4,5".split(",").length);
        System.out.println(String.join("-", "a", "b", "c"));
        System.out.println(String.join(", ", Arrays.asList("x", "y", "z")));
        System.out.println("[" + String.join("/", new String[0]) + "]");

        // parsing and number toString
        System.out.println(Integer.parseInt("12345") + Integer.parseInt("-42") + Integer.parseInt("+7"));
        System.out.println(Long.parseLong("-9223372036854775808") + " " + Long.parseLong("123456789012"));
        System.out.println(Double.parseDouble("3.25") + " " + Double.parseDouble("1e3") + " " + Double.parseDouble("-0.5")
                + " " + Float.parseFloat("2.5"));
        System.out.println(Integer.toString(-99) + Long.toString(5000000000L) + Double.toString(0.25)
                + Boolean.toString(false) + Character.toString('c'));
        System.out.println(Short.parseShort("-300") + " " + Byte.parseByte("100") + " " + Boolean.parseBoolean("TRUE")
                + " " + Boolean.parseBoolean("yes"));
        String[] bad = {"abc", "12x", "99999999999", "-"};
        for (String t : bad) {
            try {
                System.out.println(Integer.parseInt(t));
            } catch (NumberFormatException e) {
                System.out.println("NFE " + e.getMessage());
            }
        }
        try {
            System.out.println(Long.parseLong("1L"));
        } catch (NumberFormatException e) {
            System.out.println("NFE " + e.getMessage());
        }
        try {
            System.out.println(Double.parseDouble("pi"));
        } catch (NumberFormatException e) {
            System.out.println("NFE " + e.getClass().getName());
        }

        // boxing and unboxing
        Integer bi = 127;
        Integer bj = 127;
        Integer small1 = Integer.valueOf(-128);
        Integer small2 = Integer.valueOf(-128);
        System.out.println("cache " + (bi == bj) + " " + (small1 == small2) + " equals " + bi.equals(bj));
        Integer big1 = 100000;
        Integer big2 = 100000;
        System.out.println("big equals " + big1.equals(big2) + " compare " + Integer.compare(big1, big2));
        int sum = bi + bj;
        Long bl = 5L;
        Double bd = 2.5;
        Boolean bb = Boolean.valueOf("true");
        Character bc = 'z';
        Byte bby = (byte) 7;
        Short bsh = (short) 8;
        Float bf = 1.5f;
        System.out.println("unbox " + sum + " " + (bl * 2) + " " + (bd * 2) + " " + !bb + " " + (char) (bc - 1) + " "
                + (bby + bsh) + " " + (bf + 1));
        System.out.println("xxxValue " + bd.intValue() + " " + big1.longValue() + " " + big1.doubleValue() + " "
                + bl.intValue() + " " + bc.charValue() + " " + bb.booleanValue() + " " + bf.doubleValue());
        System.out.println("box toString " + bi.toString() + " " + bd.toString() + " " + bc.toString() + " "
                + bb.toString());
        System.out.println("box hashCode " + bi.hashCode() + " " + Long.valueOf(1L << 40).hashCode() + " "
                + Boolean.TRUE.hashCode() + " " + Boolean.FALSE.hashCode() + " " + Character.valueOf('A').hashCode()
                + " " + Double.valueOf(1.5).hashCode());
        System.out.println("box equals " + Long.valueOf(5).equals(5L) + " " + Long.valueOf(5).equals(5) + " "
                + Double.valueOf(0.0).equals(-0.0));
        Object boxed = 42;
        System.out.println("boxed class " + boxed.getClass().getName() + " " + ((Object) 'c').getClass().getName()
                + " " + ((Object) 1.0).getClass().getName() + " " + ((Object) 1L).getClass().getName());
        System.out.println("compare " + Integer.compare(3, 7) + " " + Long.compare(7, 3) + " " + Double.compare(1.0, 1.0)
                + " " + Character.compare('a', 'b') + " " + Boolean.compare(true, false));

        // Character classification
        String mixed = "a1 B\t2!z";
        StringBuilder cls = new StringBuilder();
        for (int k = 0; k < mixed.length(); k++) {
            char ch = mixed.charAt(k);
            cls.append(Character.isDigit(ch) ? 'D' : Character.isLetter(ch) ? 'L' : Character.isWhitespace(ch) ? 'W' : '?');
        }
        System.out.println("classes " + cls + " upper " + Character.toUpperCase('q') + Character.toUpperCase('7'));

        // string identity: literals are interned
        String lit1 = "stardust";
        String lit2 = "star" + "dust";
        System.out.println("interned literal " + (lit1 == lit2) + " equals " + lit1.equals(new String("stardust")));

        // StringBuffer: StringBuilder's methods, its own type
        StringBuffer buffer = new StringBuffer("ab");
        buffer.append(1).append('c').append(2.5).append(true).append((Object) null).insert(0, "<").reverse();
        StringBuffer other = new StringBuffer(buffer.length() + ":");
        other.append(buffer).append(new StringBuilder("!")).deleteCharAt(0);
        CharSequence sequence = other;
        System.out.println("buffer " + buffer + " " + other + " " + sequence.length() + " " + other.indexOf("eu")
                + " " + (other instanceof CharSequence) + " " + other.getClass().getName() + " "
                + String.valueOf(other).equals(other.toString()));
    }
}
