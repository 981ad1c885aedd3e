// Arith: int/long/float/double arithmetic families, shifts and masking, overflow, division by zero,
// NaN/Infinity comparisons and casts, narrowing conversions, char/byte/short compound ops, Math functions.
public class Arith {
    static int zero = 0;
    static long lzero = 0L;

    static void ints(int a, int b) {
        System.out.println("int " + a + "," + b + ": " + (a + b) + " " + (a - b) + " " + (a * b) + " "
                + (a / b) + " " + (a % b) + " " + (-a) + " " + (a & b) + " " + (a | b) + " " + (a ^ b) + " " + (~a));
    }

    static void longs(long a, long b) {
        System.out.println("long " + a + "," + b + ": " + (a + b) + " " + (a - b) + " " + (a * b) + " "
                + (a / b) + " " + (a % b) + " " + (-a) + " " + (a & b) + " " + (a | b) + " " + (a ^ b) + " " + (~a));
    }

    static void floats(float a, float b) {
        System.out.println("float " + a + "," + b + ": " + (a + b) + " " + (a - b) + " " + (a * b) + " "
                + (a / b) + " " + (a % b) + " " + (-a));
    }

    static void doubles(double a, double b) {
        System.out.println("double " + a + "," + b + ": " + (a + b) + " " + (a - b) + " " + (a * b) + " "
                + (a / b) + " " + (a % b) + " " + (-a));
    }

    static void cmp(String label, double a, double b) {
        System.out.println(label + ": < " + (a < b) + " > " + (a > b) + " <= " + (a <= b) + " >= " + (a >= b)
                + " == " + (a == b) + " != " + (a != b));
    }

    static void cmpf(String label, float a, float b) {
        System.out.println(label + ": < " + (a < b) + " > " + (a > b) + " <= " + (a <= b) + " >= " + (a >= b)
                + " == " + (a == b) + " != " + (a != b));
    }

    static void cmpl(long a, long b) {
        System.out.println("lcmp " + a + " " + b + ": " + (a < b) + " " + (a > b) + " " + (a == b) + " "
                + Long.compare(a, b));
    }

    public static void main(String[] args) {
        ints(17, 5);
        ints(-17, 5);
        ints(17, -5);
        ints(-17, -5);
        longs(123456789012L, 1000L);
        longs(-123456789012L, 7L);
        floats(7.5f, 2f);
        floats(-7.5f, 2f);
        doubles(7.5, 2.0);
        doubles(-7.5, 2.0);
        doubles(0.1, 0.2);

        // shifts, including counts beyond the width (masked to 5/6 bits)
        int x = -1000;
        int[] counts = {0, 1, 4, 31, 32, 33, 36, 63, 64, -1};
        for (int c : counts) {
            System.out.println("shift int " + c + ": " + (x << c) + " " + (x >> c) + " " + (x >>> c));
        }
        long lx = -123456789012345L;
        int[] lcounts = {0, 1, 4, 31, 32, 33, 63, 64, 65, 100, -1};
        for (int c : lcounts) {
            System.out.println("shift long " + c + ": " + (lx << c) + " " + (lx >> c) + " " + (lx >>> c));
        }
        System.out.println("1<<31 = " + (1 << 31) + ", 1L<<63 = " + (1L << 63));

        // overflow wrap
        int imax = Integer.MAX_VALUE;
        int imin = Integer.MIN_VALUE;
        System.out.println("MAX+1 = " + (imax + 1));
        System.out.println("MIN-1 = " + (imin - 1));
        System.out.println("MAX*2 = " + (imax * 2));
        System.out.println("-MIN = " + (-imin));
        System.out.println("abs(MIN) = " + Math.abs(imin));
        long lmax = Long.MAX_VALUE;
        long lmin = Long.MIN_VALUE;
        System.out.println("LMAX+1 = " + (lmax + 1));
        System.out.println("LMIN-1 = " + (lmin - 1));
        int minusOne = -1;
        long lminusOne = -1L;
        System.out.println("MIN / -1 = " + (imin / minusOne));
        System.out.println("MIN % -1 = " + (imin % minusOne));
        System.out.println("LMIN / -1 = " + (lmin / lminusOne));
        System.out.println("LMIN % -1 = " + (lmin % lminusOne));
        System.out.println("100000*100000 = " + (100000 * 100000));
        System.out.println("100000L*100000 = " + (100000L * 100000));

        // division by zero
        try {
            System.out.println(5 / zero);
        } catch (ArithmeticException e) {
            System.out.println("int div: " + e.getMessage());
        }
        try {
            System.out.println(5 % zero);
        } catch (ArithmeticException e) {
            System.out.println("int rem: " + e.getMessage());
        }
        try {
            System.out.println(5L / lzero);
        } catch (ArithmeticException e) {
            System.out.println("long div: " + e.getMessage());
        }
        try {
            System.out.println(5L % lzero);
        } catch (ArithmeticException e) {
            System.out.println("long rem: " + e);
        }
        double dz = 0.0;
        float fz = 0.0f;
        System.out.println("1.0/0 = " + (1.0 / dz) + ", -1.0/0 = " + (-1.0 / dz) + ", 0.0/0 = " + (dz / dz));
        System.out.println("1f/0 = " + (1f / fz) + ", -1f/0 = " + (-1f / fz) + ", 0f/0 = " + (fz / fz));
        System.out.println("5.0 % 0 = " + (5.0 % dz) + ", 5.5 % 2.5 = " + (5.5 % 2.5) + ", -5.5 % 2 = " + (-5.5 % 2.0));
        System.out.println("-0.0 = " + (-dz) + ", 0.0 == -0.0: " + (dz == -dz) + ", 1/-0.0 = " + (1.0 / -dz));
        System.out.println("-0.0f = " + (-fz));

        // NaN comparisons
        double nan = dz / dz;
        float fnan = fz / fz;
        cmp("NaN vs 1", nan, 1.0);
        cmp("1 vs NaN", 1.0, nan);
        cmp("NaN vs NaN", nan, nan);
        cmp("1 vs 2", 1.0, 2.0);
        cmp("2 vs 2", 2.0, 2.0);
        cmpf("fNaN vs 1", fnan, 1f);
        cmpf("1 vs fNaN", 1f, fnan);
        cmpf("3 vs 2", 3f, 2f);
        System.out.println("Double.isNaN " + Double.isNaN(nan) + " " + Double.isNaN(1.0));
        System.out.println("Double.compare " + Double.compare(nan, 1.0) + " " + Double.compare(0.0, -0.0) + " "
                + Double.compare(1.5, 2.5));
        cmpl(5L, 7L);
        cmpl(7L, 5L);
        cmpl(-1L, -1L);
        cmpl(Long.MIN_VALUE, Long.MAX_VALUE);

        // casts of NaN / Infinity / huge values
        double inf = 1.0 / dz;
        double[] specials = {nan, inf, -inf, 1e20, -1e20, 3.99, -3.99, 2147483647.5, -2147483648.5, 1e19};
        for (double d : specials) {
            System.out.println("cast " + d + ": int " + (int) d + " long " + (long) d
                    + " short " + (short) d + " char " + (int) (char) d + " byte " + (byte) d);
        }
        float[] fspecials = {fnan, 1f / fz, 1e20f, -1e20f, 2.5f, -2.5f};
        for (float f : fspecials) {
            System.out.println("fcast " + f + ": int " + (int) f + " long " + (long) f + " double " + (double) f);
        }

        // narrowing int conversions
        int[] narrow = {0, 127, 128, 255, 256, -1, -129, 32767, 32768, 65535, 65536, 70000, -70000, 0x12345678};
        for (int n : narrow) {
            System.out.println("narrow " + n + ": i2b " + (byte) n + " i2s " + (short) n + " i2c " + (int) (char) n);
        }
        System.out.println("d2f " + (float) 3.99 + " " + (float) 1e20 + " " + (float) 1e40 + " " + (float) -1e-50 + " "
                + (float) (1.0 / dz) + " " + (float) nan);
        long big = 0x123456789ABCDEFL;
        System.out.println("l2i " + (int) big + " l2f " + (float) 123456L + " " + (float) 16777216L + " l2d " + (double) 123456789012345L
                + " " + (double) (1L << 53));
        System.out.println("i2l " + (long) imin + " i2f " + (float) 16777217 + " " + (float) 12345678 + " i2d " + (double) imax);

        // char arithmetic
        char c = 'A';
        c += 2;
        System.out.println("char " + c + " " + (int) c + " " + (char) (c + 1) + " " + (c + 1));
        c++;
        System.out.println("char++ " + c);
        char cz = 'z';
        System.out.println("'z'-'a' = " + (cz - 'a') + ", (char)('a'+25) = " + (char) ('a' + 25));
        char cmax = 65535;
        cmax++;
        System.out.println("char wrap " + (int) cmax);
        for (char ch = 'a'; ch <= 'e'; ch++) {
            System.out.print(Character.toUpperCase(ch));
        }
        System.out.println();

        // compound assignment on byte/short/char
        byte b = 120;
        b += 10;
        System.out.println("byte 120+=10 -> " + b);
        b *= 3;
        System.out.println("byte *=3 -> " + b);
        b >>= 1;
        System.out.println("byte >>=1 -> " + b);
        b = -128;
        b--;
        System.out.println("byte -128-- -> " + b);
        short s = 32000;
        s += 1000;
        System.out.println("short 32000+=1000 -> " + s);
        s <<= 2;
        System.out.println("short <<=2 -> " + s);
        s = (short) 0xFFFF;
        s >>>= 4;
        System.out.println("short >>>=4 -> " + s);
        char cc = 'x';
        cc *= 1000;
        System.out.println("char *=1000 -> " + (int) cc);
        cc -= 70000;
        System.out.println("char -=70000 -> " + (int) cc);

        // ++/-- and iinc with big constants
        int i = 5;
        int j = i++ + ++i;
        System.out.println("i=" + i + " j=" + j);
        j = i-- - --i;
        System.out.println("i=" + i + " j=" + j);
        i += 1000;
        System.out.println("i += 1000 -> " + i);
        i -= 40000;
        System.out.println("i -= 40000 -> " + i);
        i += 32767;
        i += -32768;
        System.out.println("i -> " + i);
        long lc = 10;
        lc++;
        lc += 5000000000L;
        System.out.println("lc = " + lc);
        double dc = 1.5;
        dc++;
        dc *= 3;
        System.out.println("dc = " + dc);
        float fc = 1.25f;
        fc--;
        fc /= 8;
        System.out.println("fc = " + fc);

        // float vs double precision
        float f1 = 0.1f;
        double d1 = 0.1;
        System.out.println("0.1f = " + f1 + ", (double)0.1f = " + (double) f1 + ", 0.1 = " + d1);
        System.out.println("0.1f+0.2f = " + (0.1f + 0.2f) + ", 0.1+0.2 = " + (0.1 + 0.2));
        System.out.println("1/3: " + (1.0f / 3) + " " + (1.0 / 3));
        System.out.println("2/3: " + (2.0f / 3) + " " + (2.0 / 3));
        float facc = 0;
        double dacc = 0;
        for (int k = 0; k < 1000; k++) {
            facc += 0.001f;
            dacc += 0.001;
        }
        System.out.println("sum 0.001 x1000: " + facc + " " + dacc);
        System.out.println("big: " + 1e10 + " " + 1e7 + " " + 9999999.0 + " " + 1e-3 + " " + 1e-4 + " " + 1e-5 + " " + 100.0);
        System.out.println("fbig: " + 1e10f + " " + 1e7f + " " + 1e-3f + " " + 1e-4f + " " + 123456.78f);
        System.out.println("limits: " + Float.MAX_VALUE + " " + Float.MIN_VALUE + " " + Double.MAX_VALUE + " "
                + Double.MIN_VALUE);
        System.out.println("int limits: " + Integer.MAX_VALUE + " " + Integer.MIN_VALUE + " " + Long.MAX_VALUE + " "
                + Long.MIN_VALUE);
        System.out.println("small limits: " + Byte.MIN_VALUE + " " + Byte.MAX_VALUE + " " + Short.MIN_VALUE + " "
                + Short.MAX_VALUE + " " + (int) Character.MAX_VALUE);

        // Math
        System.out.println("abs " + Math.abs(-5) + " " + Math.abs(-5L) + " " + Math.abs(-2.5) + " " + Math.abs(-2.5f));
        System.out.println("max/min " + Math.max(3, 9) + " " + Math.min(3, 9) + " " + Math.max(3L, -9L) + " "
                + Math.min(1.5, -0.5) + " " + Math.max(2.5f, 1f));
        System.out.println("sqrt " + Math.sqrt(2) + " " + Math.sqrt(144) + " " + Math.sqrt(-1));
        System.out.println("pow " + Math.pow(2, 10) + " " + Math.pow(2, 0.5) + " " + Math.pow(10, -2) + " " + Math.pow(0, 0));
        System.out.println("floor " + Math.floor(2.7) + " " + Math.floor(-2.7) + " ceil " + Math.ceil(2.1) + " "
                + Math.ceil(-2.1));
        System.out.println("round " + Math.round(2.5) + " " + Math.round(-2.5) + " " + Math.round(2.4) + " "
                + Math.round(-2.6) + " " + Math.round(2.5f) + " " + Math.round(-0.5f));
        System.out.println("floorDiv " + Math.floorDiv(7, 2) + " " + Math.floorDiv(-7, 2) + " " + Math.floorDiv(7, -2)
                + " floorMod " + Math.floorMod(7, 3) + " " + Math.floorMod(-7, 3) + " " + Math.floorMod(7, -3));
        System.out.println("floorDiv long " + Math.floorDiv(-7L, 2L) + " floorMod long " + Math.floorMod(-7L, 3L));
        System.out.println("sin/cos " + Math.sin(0) + " " + Math.cos(0) + " " + Math.sin(Math.PI / 2) + " "
                + Math.cos(Math.PI));
        System.out.println("PI " + Math.PI + " E " + Math.E);
        System.out.println("hypot " + Math.hypot(3, 4) + " " + Math.hypot(5, 12));
        System.out.printf("sin(1)=%.6f cos(1)=%.6f%n", Math.sin(1), Math.cos(1));

        // mixed-type promotion
        byte pb = 10;
        short ps = 20;
        char pc = 'c';
        long pl = 3;
        float pf = 0.5f;
        System.out.println("promo " + (pb + ps) + " " + (pb + pc) + " " + (ps * pl) + " " + (pl * pf) + " " + (pc / 2.0));
        System.out.println("int div trunc " + (7 / 2) + " " + (-7 / 2) + " " + (7 % -2) + " " + (-7 % -2));
        System.out.println("hex/oct/bin literals " + 0xFF + " " + 017 + " " + 0b1011 + " " + 0xFFFFFFFF + " " + 1_000_000);
        System.out.println("toBinaryString " + Integer.toBinaryString(42) + " " + Integer.toBinaryString(-1));
        System.out.println("toHexString " + Integer.toHexString(255) + " " + Integer.toHexString(-256));
    }
}
