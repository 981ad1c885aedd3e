// Threads: shared counter under synchronized (4 threads x 10,000), producer/consumer over a bounded buffer with
// wait/notifyAll, Thread subclasses, join and sleep. Output is independent of thread interleaving.
public class Threads {
    static final Object lock = new Object();
    static int counter = 0;
    static long staticCounter = 0;

    static synchronized void bumpStatic() {
        staticCounter += 2;
    }

    static final class BoundedBuffer {
        private final int[] items;
        private int head = 0;
        private int count = 0;

        BoundedBuffer(int capacity) {
            items = new int[capacity];
        }

        synchronized void put(int v) throws InterruptedException {
            while (count == items.length) {
                wait();
            }
            items[(head + count) % items.length] = v;
            count++;
            notifyAll();
        }

        synchronized int take() throws InterruptedException {
            while (count == 0) {
                wait();
            }
            int v = items[head];
            head = (head + 1) % items.length;
            count--;
            notifyAll();
            return v;
        }
    }

    static final class Account {
        private long balance;

        synchronized void deposit(long amount) {
            balance += amount;
        }

        synchronized long balance() {
            return balance;
        }
    }

    static final class Worker extends Thread {
        final Account account;
        final int times;
        long localWork = 0;

        Worker(Account account, int times) {
            this.account = account;
            this.times = times;
        }

        @Override
        public void run() {
            for (int i = 1; i <= times; i++) {
                account.deposit(i);
                localWork += i;
            }
        }
    }

    static final class Consumer implements Runnable {
        final BoundedBuffer buffer;
        final int expected;
        long sum = 0;
        boolean inOrder = true;

        Consumer(BoundedBuffer buffer, int expected) {
            this.buffer = buffer;
            this.expected = expected;
        }

        @Override
        public void run() {
            int last = 0;
            try {
                for (int i = 0; i < expected; i++) {
                    int v = buffer.take();
                    if (v != last + 1) {
                        inOrder = false;
                    }
                    last = v;
                    sum += v;
                }
            } catch (InterruptedException e) {
                System.out.println("consumer interrupted");
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        // 1. shared counter under a common lock
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    synchronized (lock) {
                        counter++;
                    }
                    if (i % 100 == 0) {
                        bumpStatic();
                    }
                }
            });
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("counter " + counter);
        System.out.println("static synchronized counter " + staticCounter);

        // 2. producer/consumer over a buffer of 3, passing 1..100
        BoundedBuffer buffer = new BoundedBuffer(3);
        Consumer consumer = new Consumer(buffer, 100);
        Thread consumerThread = new Thread(consumer);
        Thread producer = new Thread(() -> {
            try {
                for (int i = 1; i <= 100; i++) {
                    buffer.put(i);
                    if (i == 50) {
                        Thread.sleep(10);
                    }
                }
            } catch (InterruptedException e) {
                System.out.println("producer interrupted");
            }
        });
        consumerThread.start();
        producer.start();
        producer.join();
        consumerThread.join();
        System.out.println("consumer sum " + consumer.sum + " in order " + consumer.inOrder);

        // 3. two producers and two consumers sharing one buffer; only the combined sum is deterministic
        BoundedBuffer shared = new BoundedBuffer(3);
        long[] consumed = new long[2];
        Thread[] parts = new Thread[4];
        for (int p = 0; p < 2; p++) {
            final int offset = p * 1000;
            parts[p] = new Thread(() -> {
                try {
                    for (int i = 1; i <= 50; i++) {
                        shared.put(offset + i);
                    }
                } catch (InterruptedException e) {
                    System.out.println("interrupted");
                }
            });
        }
        for (int c = 0; c < 2; c++) {
            final int slot = c;
            parts[2 + c] = new Thread(() -> {
                try {
                    for (int i = 0; i < 50; i++) {
                        consumed[slot] += shared.take();
                    }
                } catch (InterruptedException e) {
                    System.out.println("interrupted");
                }
            });
        }
        for (Thread t : parts) {
            t.start();
        }
        for (Thread t : parts) {
            t.join();
        }
        System.out.println("multi producer/consumer total " + (consumed[0] + consumed[1]));

        // 4. Thread subclasses with synchronized methods on a shared object
        Account account = new Account();
        Worker[] workers = new Worker[3];
        for (int w = 0; w < workers.length; w++) {
            workers[w] = new Worker(account, 1000 * (w + 1));
            workers[w].start();
        }
        long local = 0;
        for (Worker w : workers) {
            w.join();
            local += w.localWork;
        }
        System.out.println("account balance " + account.balance() + " matches " + (account.balance() == local));

        // 5. sleep and a notify-based handshake
        final boolean[] ready = {false};
        final Object signal = new Object();
        Thread waiter = new Thread(() -> {
            synchronized (signal) {
                while (!ready[0]) {
                    try {
                        signal.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        });
        waiter.start();
        Thread.sleep(10);
        synchronized (signal) {
            ready[0] = true;
            signal.notify();
        }
        waiter.join();
        System.out.println("handshake done");
        System.out.println("main done");
    }
}
