// Oom: fills the heap with 1 MB arrays until OutOfMemoryError, catches it, drops everything and keeps working;
// also catches an oversized single allocation. Run on the host with `java -Xmx32m` (the VM uses its own small heap).
import java.util.ArrayList;
import java.util.List;

public class Oom {
    public static void main(String[] args) {
        System.out.println("start");
        List<byte[]> hog = new ArrayList<>();
        boolean caught = false;
        try {
            while (true) {
                byte[] chunk = new byte[1 << 20];
                chunk[hog.size() % chunk.length] = 1;
                hog.add(chunk);
            }
        } catch (OutOfMemoryError e) {
            hog.clear();
            hog = null;
            caught = true;
        }
        if (caught) {
            System.out.println("caught OutOfMemoryError");
        }

        // a single allocation far larger than any heap we run with
        try {
            long[] huge = new long[200_000_000];
            System.out.println("unexpected " + huge.length);
        } catch (OutOfMemoryError e) {
            System.out.println("caught huge allocation");
        }
        System.out.println("recovered");

        // the heap is usable again
        List<Integer> numbers = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            numbers.add(i * 3);
        }
        long sum = 0;
        for (int n : numbers) {
            sum += n;
        }
        byte[] again = new byte[64 * 1024];
        again[again.length - 1] = 7;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            sb.append(i % 10);
        }
        System.out.println("sum " + sum + " last byte " + again[again.length - 1] + " text " + sb.length());
    }
}
