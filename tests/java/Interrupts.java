// Thread.interrupt() ends sleep, wait and join with InterruptedException, clearing the flag;
// a flag set before the call makes it throw at once. Every step waits for the one before, so
// the output never depends on timing.
public class Interrupts {
    public static void main(String[] args) throws Exception {
        Thread sleeper = new Thread(() -> {
            try {
                Thread.sleep(60_000);
                System.out.println("sleeper: slept a minute");
            } catch (InterruptedException e) {
                System.out.println("sleeper: " + e.getMessage() + ", flag now " + Thread.currentThread().isInterrupted());
            }
        });
        sleeper.start();
        sleeper.interrupt();
        sleeper.join();

        final Object lock = new Object();
        final boolean[] waiting = {false};
        Thread waiter = new Thread(() -> {
            synchronized (lock) {
                waiting[0] = true;
                lock.notifyAll();
                try {
                    lock.wait();
                    System.out.println("waiter: returned");
                } catch (InterruptedException e) {
                    System.out.println("waiter: " + e + ", flag now " + Thread.currentThread().isInterrupted());
                }
            }
        });
        synchronized (lock) {
            waiter.start();
            while (!waiting[0]) {
                lock.wait();
            }
        }
        waiter.interrupt();
        waiter.join();
        System.out.println("waiter alive after join: " + waiter.isAlive());

        Thread.currentThread().interrupt();
        synchronized (lock) {
            try {
                lock.wait();
                System.out.println("main: wait returned");
            } catch (InterruptedException e) {
                System.out.println("main: wait with the flag set throws at once: " + e);
            }
        }

        Thread.currentThread().interrupt();
        Thread worker = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                System.out.println("worker: interrupted");
            }
        });
        worker.start();
        try {
            worker.join();
            System.out.println("main: join returned");
        } catch (InterruptedException e) {
            System.out.println("main: join interrupted, flag now " + Thread.currentThread().isInterrupted());
        }
        worker.join();
        Thread.currentThread().interrupt();
        worker.join();
        System.out.println("main: join of an ended thread returns, flag still " + Thread.currentThread().isInterrupted());
        try {
            Thread.sleep(60_000);
            System.out.println("main: slept a minute");
        } catch (InterruptedException e) {
            System.out.println("main: sleep with the flag set throws at once: " + e.getMessage());
        }
        Thread.currentThread().interrupt();
        System.out.println("interrupted(): " + Thread.interrupted() + ", then " + Thread.interrupted());
        try {
            Thread.sleep(0);
            System.out.println("sleep(0) without the flag returns");
        } catch (InterruptedException e) {
            System.out.println("sleep(0) threw");
        }
    }
}
