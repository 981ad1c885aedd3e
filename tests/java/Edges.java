// Edges: cases a review found the VM getting wrong once: Math.round's halves, parsing "d",
// "-+1" and hexadecimal, printing halfway cases,
// %f of a float (widened to double first), small HashMaps copied or presized (iteration order),
// an iterator's remove after its list shrank, a big format width within the heap.
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

public class Edges {
    public static void main(String[] args) {
        System.out.println("round " + Math.round(0.49999999999999994) + " " + Math.round(-2.5) + " " + Math.round(2.5)
                + " " + Math.round(-0.5f) + " " + Math.round(1e20) + " " + Math.round(Double.NaN));
        for (String text : new String[] {"d", "f", " 1.5f ", "-Infinity", "1e3", "abc"}) {
            try {
                System.out.println("parse '" + text + "' " + Double.parseDouble(text));
            } catch (NumberFormatException e) {
                System.out.println("parse '" + text + "' NumberFormatException");
            }
        }
        // Parsing as Java does: signs, hexadecimal, the ends of the range, halfway cases.
        for (String text : new String[] {"-+1", "inf", "NaN", ".5", "1.", "1e-400", "4.9e-324", "2.4703282292062328e-324",
                "1.7976931348623159e308", "0x1p3", "-0X1.8P-1", "0x1.00000000000008p0", "  2.5f ", "1e", "0x1p"}) {
            try {
                System.out.println("double '" + text + "' " + Double.parseDouble(text));
            } catch (NumberFormatException e) {
                System.out.println("double '" + text + "' NumberFormatException");
            }
            try {
                System.out.println("float '" + text + "' " + Float.parseFloat(text));
            } catch (NumberFormatException e) {
                System.out.println("float '" + text + "' NumberFormatException");
            }
        }
        // Java trims every character up to ' ', and reads a float's digits once (not through a double).
        System.out.println("float once " + Float.parseFloat("\u0001" + "1.000000178813934326171874"));
        // Printing exactly halfway between two shortest candidates: Java keeps the even digit.
        System.out.println("ties " + Math.pow(2, -25) + " " + (float) (1512555.0 + Math.pow(2, -2)));
        System.out.println(String.format("%.2f %.2f %.3f", 1.005f, 1.005, 0.1f));
        Map<Integer, String> small = new HashMap<>();
        for (int key : new int[] {17, 1, 33, 5}) {
            small.put(key, "v" + key);
        }
        System.out.println("small " + small + " copy " + new HashMap<>(small));
        Map<Integer, String> tiny = new HashMap<>(1);
        tiny.put(3, "c");
        tiny.put(1, "a");
        tiny.put(2, "b");
        System.out.println("tiny " + tiny);
        List<Integer> list = new ArrayList<>(List.of(1, 2, 3));
        Iterator<Integer> it = list.iterator();
        it.next();
        it.next();
        list.clear();
        try {
            it.remove();
            System.out.println("removed");
        } catch (RuntimeException e) {
            System.out.println("remove after clear: " + e.getClass().getSimpleName());
        }
        String wide = String.format("%300s|", "x");
        System.out.println("width " + wide.length());
    }
}
