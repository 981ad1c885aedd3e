// Switches: tableswitch (dense) and lookupswitch (sparse, negative, huge keys), fall-through, default placement,
// switch on char, on String (including hash collisions "Aa"/"BB"), and nested switches.
public class Switches {
    static String dense(int x) {
        switch (x) {
            case 0:
                return "zero";
            case 1:
                return "one";
            case 2:
                return "two";
            case 3:
                return "three";
            case 4:
                return "four";
            case 5:
                return "five";
            case 6:
                return "six";
            default:
                return "many";
        }
    }

    static String denseNegative(int x) {
        switch (x) {
            case -3:
                return "m3";
            case -2:
                return "m2";
            case -1:
                return "m1";
            case 0:
                return "z";
            case 1:
                return "p1";
            case 2:
                return "p2";
            default:
                return "?";
        }
    }

    static String sparse(int x) {
        switch (x) {
            case Integer.MIN_VALUE:
                return "min";
            case -1000000:
                return "minus million";
            case -7:
                return "minus seven";
            case 10:
                return "ten";
            case 1000:
                return "thousand";
            case 65536:
                return "2^16";
            case 123456789:
                return "digits";
            case Integer.MAX_VALUE:
                return "max";
            default:
                return "other";
        }
    }

    static int fallThrough(int x) {
        int acc = 0;
        switch (x) {
            case 1:
                acc += 1;
            case 2:
                acc += 10;
            case 3:
                acc += 100;
                break;
            case 4:
                acc += 1000;
            default:
                acc += 10000;
            case 5:
                acc += 100000;
        }
        return acc;
    }

    static String defaultFirst(int x) {
        String r = "";
        switch (x) {
            default:
                r += "d";
            case 100:
                r += "a";
                break;
            case 200:
                r += "b";
        }
        return r;
    }

    static String charKind(char c) {
        switch (c) {
            case 'a':
            case 'e':
            case 'i':
            case 'o':
            case 'u':
                return "vowel";
            case ' ':
                return "space";
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7':
            case '8':
            case '9':
                return "digit";
            case '\n':
                return "newline";
            case '\u00e9':
                return "e-acute";
            default:
                return Character.isLetter(c) ? "consonant" : "symbol";
        }
    }

    static int stringSwitch(String s) {
        switch (s) {
            case "Aa":
                return 1;
            case "BB":
                return 2;
            case "AaAa":
                return 3;
            case "BBBB":
                return 4;
            case "AaBB":
                return 5;
            case "BBAa":
                return 6;
            case "hello":
                return 7;
            case "":
                return 8;
            default:
                return -1;
        }
    }

    static String stringFallThrough(String s) {
        StringBuilder sb = new StringBuilder();
        switch (s) {
            case "start":
                sb.append("S");
            case "middle":
                sb.append("M");
            case "end":
                sb.append("E");
                break;
            default:
                sb.append("-");
        }
        return sb.toString();
    }

    static String nested(int a, String b) {
        switch (a) {
            case 1:
                switch (b) {
                    case "x":
                        return "1x";
                    case "y":
                        return "1y";
                    default:
                        return "1?";
                }
            case 2: {
                int inner = b.length();
                switch (inner) {
                    case 0:
                        return "2-empty";
                    case 1:
                        break;
                    default:
                        return "2-long";
                }
                return "2-short";
            }
            default:
                switch (b.charAt(0)) {
                    case 'q':
                        return "default-q";
                    default:
                        return "default-other";
                }
        }
    }

    static long longKey(long v) {
        // switch needs an int: narrow through a computed key
        switch ((int) (v >>> 32)) {
            case 0:
                return v;
            case 1:
                return -v;
            default:
                return 0;
        }
    }

    static String byteShort(byte b, short s) {
        String r;
        switch (b) {
            case -128:
                r = "bmin";
                break;
            case 127:
                r = "bmax";
                break;
            default:
                r = "b" + b;
        }
        switch (s) {
            case -32768:
                return r + "/smin";
            case 32767:
                return r + "/smax";
            default:
                return r + "/s" + s;
        }
    }

    public static void main(String[] args) {
        StringBuilder sb = new StringBuilder();
        for (int i = -1; i <= 8; i++) {
            sb.append(dense(i)).append(' ');
        }
        System.out.println("dense: " + sb.toString().trim());
        sb.setLength(0);
        for (int i = -5; i <= 3; i++) {
            sb.append(denseNegative(i)).append(' ');
        }
        System.out.println("dense negative: " + sb.toString().trim());
        int[] probes = {Integer.MIN_VALUE, -1000000, -7, 0, 10, 11, 1000, 65536, 65535, 123456789, Integer.MAX_VALUE,
            Integer.MAX_VALUE - 1};
        for (int p : probes) {
            System.out.println("sparse " + p + " -> " + sparse(p));
        }
        sb.setLength(0);
        for (int i = 0; i <= 6; i++) {
            sb.append(i).append('=').append(fallThrough(i)).append(' ');
        }
        System.out.println("fall-through: " + sb.toString().trim());
        System.out.println("default first: " + defaultFirst(100) + " " + defaultFirst(200) + " " + defaultFirst(5));
        String text = "hi 42\nq\u00e9!";
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            System.out.println("char " + (int) c + " " + charKind(c));
        }
        String[] keys = {"Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa", "hello", "", "C#", "aA", "Ab"};
        for (String k : keys) {
            System.out.println("string '" + k + "' hash " + k.hashCode() + " -> " + stringSwitch(k));
        }
        System.out.println("string fall-through: " + stringFallThrough("start") + " " + stringFallThrough("middle") + " "
                + stringFallThrough("end") + " " + stringFallThrough("other"));
        System.out.println("nested: " + nested(1, "x") + " " + nested(1, "y") + " " + nested(1, "z") + " " + nested(2, "")
                + " " + nested(2, "a") + " " + nested(2, "abc") + " " + nested(9, "quit") + " " + nested(9, "go"));
        System.out.println("long key: " + longKey(5L) + " " + longKey((1L << 32) + 3) + " " + longKey(1L << 40));
        System.out.println("byte/short: " + byteShort((byte) -128, (short) 32767) + " " + byteShort((byte) 127,
                (short) -32768) + " " + byteShort((byte) 3, (short) 4));
        try {
            String nothing = null;
            stringSwitch(nothing);
        } catch (NullPointerException e) {
            System.out.println("switch on null string: " + e.getClass().getName());
        }
        // a switch inside a loop with continue/break interplay
        int total = 0;
        loop:
        for (int i = 0; i < 20; i++) {
            switch (i % 5) {
                case 0:
                    continue;
                case 3:
                    if (i > 15) {
                        break loop;
                    }
                    total += 100;
                    break;
                default:
                    total += i;
            }
        }
        System.out.println("loop total " + total);
    }
}
