// ThreadsGc: four threads allocate many times the heap (strings, lists, maps, arrays) while the
// collector runs under them; each keeps a live structure across collections and checks it.
// Prints only per-thread checksums, in thread order (joined), nothing timing-dependent.
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class ThreadsGc {
    static final Object lock = new Object();
    static long shared = 0;

    static long work(int id) {
        List<String> keep = new ArrayList<>();
        Map<Integer, int[]> arrays = new HashMap<>();
        long sum = 0;
        for (int round = 0; round < 3000; round++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                text.append(id).append(':').append(round).append(',').append(i);
            }
            String made = text.toString();
            int[] numbers = new int[200 + round % 50];
            for (int i = 0; i < numbers.length; i++) {
                numbers[i] = i * id + round;
            }
            arrays.put(round % 16, numbers);
            if (round % 100 == 0) {
                keep.add(made.substring(0, 10));
            }
            sum += made.length() + numbers[numbers.length - 1];
            synchronized (lock) {
                shared += 1;
            }
        }
        for (String kept : keep) {
            sum += kept.hashCode();
        }
        for (int[] numbers : arrays.values()) {
            sum += numbers[numbers.length / 2];
        }
        return sum;
    }

    public static void main(String[] args) throws InterruptedException {
        long[] results = new long[4];
        Thread[] threads = new Thread[4];
        for (int t = 0; t < 4; t++) {
            final int id = t + 1;
            threads[t] = new Thread(() -> results[id - 1] = work(id));
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        for (int t = 0; t < 4; t++) {
            System.out.println("thread " + (t + 1) + " checksum " + results[t]);
        }
        System.out.println("shared " + shared);
    }
}
