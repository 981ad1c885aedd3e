// Gc: allocates ~1 GB of short-lived garbage (int[1000] arrays, strings, small objects) while keeping a small
// live set (< 200 KB) whose contents are verified at the end; prints checksums only.
import java.util.ArrayList;
import java.util.List;

public class Gc {
    static final class Node {
        final int key;
        Node left;
        Node right;

        Node(int key) {
            this.key = key;
        }
    }

    static Node insert(Node root, int key) {
        if (root == null) {
            return new Node(key);
        }
        Node cur = root;
        while (true) {
            if (key < cur.key) {
                if (cur.left == null) {
                    cur.left = new Node(key);
                    return root;
                }
                cur = cur.left;
            } else {
                if (cur.right == null) {
                    cur.right = new Node(key);
                    return root;
                }
                cur = cur.right;
            }
        }
    }

    static long sumTree(Node n) {
        long s = 0;
        List<Node> stack = new ArrayList<>();
        if (n != null) {
            stack.add(n);
        }
        while (!stack.isEmpty()) {
            Node cur = stack.remove(stack.size() - 1);
            s += cur.key;
            if (cur.left != null) {
                stack.add(cur.left);
            }
            if (cur.right != null) {
                stack.add(cur.right);
            }
        }
        return s;
    }

    static final class Pair {
        final long a;
        final Object b;

        Pair(long a, Object b) {
            this.a = a;
            this.b = b;
        }
    }

    public static void main(String[] args) {
        // long-lived structure built before the garbage storm
        Node tree = null;
        long expectedTree = 0;
        int seed = 12345;
        for (int i = 0; i < 1000; i++) {
            seed = seed * 1103515245 + 12345;
            int key = (seed >>> 8) % 100000;
            tree = insert(tree, key);
            expectedTree += key;
        }

        final int iterations = 200_000;
        final int ringSize = 16;
        int[][] ring = new int[ringSize][];
        List<String> recent = new ArrayList<>();
        long checksum = 0;
        for (int i = 0; i < iterations; i++) {
            int[] a = new int[1000];
            a[0] = i;
            a[i % 1000] += i * 3;
            a[999] = i ^ 0x5555;
            checksum += a[0] + a[i % 1000] + a[999];
            ring[i % ringSize] = a;

            String s = "item-" + i;
            checksum += s.length() + s.charAt(s.length() - 1);
            if (i % 1000 == 0) {
                recent.add(s);
                if (recent.size() > 100) {
                    recent.remove(0);
                }
            }
            if (i % 7 == 0) {
                Pair p = new Pair(i, new long[4]);
                checksum += p.a + ((long[]) p.b).length;
            }
            if (i % 50_000 == 0) {
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < 200; k++) {
                    sb.append(k);
                }
                checksum += sb.length();
            }
        }

        long ringSum = 0;
        for (int[] r : ring) {
            ringSum += r[0] + r[999];
        }
        StringBuilder tail = new StringBuilder();
        for (int i = recent.size() - 3; i < recent.size(); i++) {
            tail.append(recent.get(i)).append(' ');
        }
        long treeSum = sumTree(tree);
        System.out.println("checksum " + checksum);
        System.out.println("ring " + ringSum);
        System.out.println("recent " + recent.size() + " last " + tail.toString().trim());
        System.out.println("tree intact " + (treeSum == expectedTree) + " sum " + treeSum);
    }
}
