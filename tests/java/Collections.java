// Collections: ArrayList, HashMap (String and Integer keys, iteration order), HashSet, Iterator.remove,
// java.util.Collections sort/reverse/max/min, Comparator lambdas and combinators, Map.merge word counts, List.of/Map.of.
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

public class Collections {
    static class Person {
        final String name;
        final int age;
        final String city;

        Person(String name, int age, String city) {
            this.name = name;
            this.age = age;
            this.city = city;
        }

        String getName() {
            return name;
        }

        int getAge() {
            return age;
        }

        String getCity() {
            return city;
        }

        @Override
        public String toString() {
            return name + "/" + age + "/" + city;
        }
    }

    static String render(List<Person> people) {
        StringBuilder sb = new StringBuilder();
        for (Person p : people) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(p);
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        // ArrayList basics
        List<Integer> nums = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            nums.add((i * 7) % 12);
        }
        System.out.println("nums " + nums + " size " + nums.size());
        nums.set(0, 100);
        nums.remove(1);
        nums.add(2, -5);
        System.out.println("after set/remove/add " + nums + " get(3) " + nums.get(3));
        System.out.println("contains 11: " + nums.contains(11) + ", contains 42: " + nums.contains(42) + ", indexOf 4: "
                + nums.indexOf(4) + ", indexOf 42: " + nums.indexOf(42) + ", isEmpty: " + nums.isEmpty());
        java.util.Collections.sort(nums);
        System.out.println("sorted " + nums + " max " + java.util.Collections.max(nums) + " min "
                + java.util.Collections.min(nums));
        java.util.Collections.reverse(nums);
        System.out.println("reversed " + nums);
        nums.sort(Comparator.naturalOrder());
        System.out.println("natural " + nums);
        nums.sort(Comparator.reverseOrder());
        System.out.println("reverseOrder " + nums);
        int total = 0;
        for (int n : nums) {
            total += n;
        }
        System.out.println("total " + total);
        try {
            nums.get(50);
        } catch (IndexOutOfBoundsException e) {
            System.out.println("get(50) threw " + e.getClass().getName());
        }
        List<String> more = new ArrayList<>(Arrays.asList("x", "y"));
        more.addAll(Arrays.asList("z", "w"));
        more.forEach(s -> System.out.print(s + ";"));
        System.out.println();
        more.clear();
        System.out.println("cleared " + more + " " + more.size() + " " + more.isEmpty());

        // Iterator with remove
        List<Integer> evens = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            evens.add(i);
        }
        Iterator<Integer> it = evens.iterator();
        while (it.hasNext()) {
            int v = it.next();
            if (v % 2 != 0 || v % 3 == 0) {
                it.remove();
            }
        }
        System.out.println("filtered " + evens);
        Iterator<Integer> empty = new ArrayList<Integer>().iterator();
        try {
            empty.next();
        } catch (java.util.NoSuchElementException e) {
            System.out.println("empty iterator " + e.getClass().getName());
        }

        // Comparators
        List<Person> people = new ArrayList<>();
        people.add(new Person("Mia", 31, "Oslo"));
        people.add(new Person("Ben", 25, "Rome"));
        people.add(new Person("Ada", 31, "Lima"));
        people.add(new Person("Zoe", 19, "Oslo"));
        people.add(new Person("Eli", 25, "Lima"));
        people.add(new Person("Ada", 22, "Rome"));
        people.sort((a, b) -> a.name.compareTo(b.name));
        System.out.println("by name (stable) " + render(people));
        people.sort(Comparator.comparingInt(Person::getAge));
        System.out.println("by age " + render(people));
        people.sort(Comparator.comparing(Person::getCity).thenComparing(Person::getName));
        System.out.println("by city, name " + render(people));
        people.sort(Comparator.comparingInt(Person::getAge).reversed().thenComparing(p -> p.name));
        System.out.println("by age desc, name " + render(people));
        java.util.Collections.sort(people, Comparator.comparing(Person::getName, Comparator.reverseOrder()));
        System.out.println("by name desc " + render(people));
        Person oldest = java.util.Collections.max(people, Comparator.comparingInt(Person::getAge));
        Person youngest = java.util.Collections.min(people, Comparator.comparingInt(Person::getAge));
        System.out.println("oldest " + oldest + " youngest " + youngest);
        String[] arr = {"ccc", "a", "bb", "dddd", "ee", "f"};
        Arrays.sort(arr, Comparator.comparingInt(String::length).thenComparing(Comparator.reverseOrder()));
        System.out.println("array by length " + Arrays.toString(arr));
        Arrays.sort(arr, new Comparator<String>() {
            public int compare(String a, String b) {
                return b.compareTo(a);
            }
        });
        System.out.println("array desc " + Arrays.toString(arr));
        Integer[] boxed = {5, 3, 9, 1};
        Arrays.sort(boxed, java.util.Collections.reverseOrder());
        System.out.println("boxed desc " + Arrays.toString(boxed));

        // HashMap with String keys: iteration order follows Java's bucket layout
        Map<String, Integer> ages = new HashMap<>();
        String[] names = {"alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy", "mallory",
            "oscar", "peggy", "trent", "victor", "walter", "Aa", "BB"};
        for (int i = 0; i < names.length; i++) {
            ages.put(names[i], 20 + i);
        }
        System.out.println("map size " + ages.size() + " get(carol) " + ages.get("carol") + " get(nobody) "
                + ages.get("nobody") + " containsKey(Aa) " + ages.containsKey("Aa") + " " + ages.containsKey("Ab"));
        System.out.println("map " + ages);
        StringBuilder keys = new StringBuilder();
        for (String k : ages.keySet()) {
            keys.append(k).append(' ');
        }
        System.out.println("keys " + keys.toString().trim());
        int vsum = 0;
        for (int v : ages.values()) {
            vsum += v;
        }
        System.out.println("values sum " + vsum);
        ages.put("alice", 99);
        ages.remove("bob");
        ages.remove("nobody");
        System.out.println("put returns " + ages.put("eve", 1) + " putIfAbsent " + ages.putIfAbsent("eve", 2) + " "
                + ages.putIfAbsent("zed", 3) + " remove returns " + ages.remove("frank"));
        for (Map.Entry<String, Integer> e : ages.entrySet()) {
            System.out.print(e.getKey() + "=" + e.getValue() + " ");
        }
        System.out.println();
        Iterator<String> kit = ages.keySet().iterator();
        while (kit.hasNext()) {
            String k = kit.next();
            if (k.length() <= 3) {
                kit.remove();
            }
        }
        System.out.println("after iterator remove " + ages);

        // HashMap with Integer keys, including negatives and growth past several resizes
        Map<Integer, String> byNum = new HashMap<>();
        int[] keysArr = {100, -1, 17, 33, 1, 65, 1024, 16, 0, -100, 12345, 48, 31, 64};
        for (int k : keysArr) {
            byNum.put(k, "v" + k);
        }
        System.out.println("int map " + byNum);
        Map<Integer, Integer> squares = new HashMap<>();
        for (int i = 0; i < 200; i += 7) {
            squares.put(i * 37 % 1000, i * i);
        }
        StringBuilder order = new StringBuilder();
        int shown = 0;
        for (Map.Entry<Integer, Integer> e : squares.entrySet()) {
            if (shown++ < 15) {
                order.append(e.getKey()).append(':').append(e.getValue()).append(' ');
            }
        }
        System.out.println("squares size " + squares.size() + " first: " + order.toString().trim());
        Map<Long, String> longKeys = new HashMap<>();
        longKeys.put(1L << 33, "big");
        longKeys.put(-5L, "neg");
        longKeys.put(7L, "seven");
        System.out.println("long map " + longKeys);

        // Word count with merge / getOrDefault / computeIfAbsent
        String text = "the cat and the dog and the bird saw a cat in the tree";
        Map<String, Integer> counts = new HashMap<>();
        for (String w : text.split(" ")) {
            counts.merge(w, 1, Integer::sum);
        }
        System.out.println("counts " + counts);
        System.out.println("the=" + counts.getOrDefault("the", 0) + " fish=" + counts.getOrDefault("fish", 0));
        List<String> frequent = new ArrayList<>(counts.keySet());
        frequent.sort(Comparator.comparing((String w) -> counts.get(w)).reversed().thenComparing(w -> w));
        System.out.println("by frequency " + frequent);
        Map<Integer, List<String>> byLength = new HashMap<>();
        for (String w : text.split(" ")) {
            List<String> bucket = byLength.computeIfAbsent(w.length(), k -> new ArrayList<>());
            if (!bucket.contains(w)) {
                bucket.add(w);
            }
        }
        System.out.println("by length " + byLength);
        counts.merge("the", 10, (a, b) -> a * b);
        counts.merge("cat", 0, (a, b) -> null);
        System.out.println("merged the=" + counts.get("the") + " cat present " + counts.containsKey("cat"));

        // HashSet
        Set<String> seen = new HashSet<>();
        StringBuilder dups = new StringBuilder();
        for (String w : text.split(" ")) {
            if (!seen.add(w)) {
                dups.append(w).append(' ');
            }
        }
        System.out.println("set " + seen + " size " + seen.size());
        System.out.println("dups " + dups.toString().trim());
        System.out.println("contains cat " + seen.contains("cat") + " remove cat " + seen.remove("cat") + " again "
                + seen.remove("cat"));
        Set<Integer> ints = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            ints.add((i * i) % 17);
        }
        System.out.println("int set " + ints);

        // Immutable factories: get/size only (iteration order of Map.of/Set.of is randomized)
        List<String> fixed = List.of("one", "two", "three");
        System.out.println("List.of " + fixed.get(1) + " " + fixed.size() + " " + fixed + " contains " + fixed.contains("two"));
        Map<String, Integer> fixedMap = Map.of("a", 1, "b", 2, "c", 3);
        System.out.println("Map.of " + fixedMap.get("b") + " " + fixedMap.size() + " " + fixedMap.get("z") + " "
                + fixedMap.containsKey("c"));
        try {
            fixed.add("four");
        } catch (UnsupportedOperationException e) {
            System.out.println("List.of add threw " + e.getClass().getName());
        }
        List<Integer> asList = Arrays.asList(3, 1, 2);
        asList.set(0, 30);
        System.out.println("asList " + asList);
        try {
            asList.add(4);
        } catch (UnsupportedOperationException e) {
            System.out.println("asList add threw " + e.getClass().getName());
        }

        // nested collections
        List<List<Integer>> matrix = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            List<Integer> row = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                row.add(r * 3 + c);
            }
            matrix.add(row);
        }
        System.out.println("matrix " + matrix + " center " + matrix.get(1).get(1));
    }
}
