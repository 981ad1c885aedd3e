//! profile-java: Java programs compiled by an ordinary `javac` run in Stardust's JVM, each
//! checked against the host's `java`: identical standard output (then standard error, which the
//! programs write only at their end) and exit code. The same VM built for the host is checked
//! against `java` too, and bad classes give Java's errors, never a kernel fault.

use stardust_boot_tests::java::{Run, compile, corpus, image, jdk_missing, under_host_vm, under_java};
use stardust_boot_tests::posix::program_output;
use stardust_boot_tests::{Boot, root, skip};
use std::path::Path;
use std::process::Command;

/// The corpus programs the boot tests run (Bench is scripts/bench-java's, too slow under TCG),
/// with their arguments.
const PROGRAMS: &[(&str, &[&str])] = &[
    ("Hello", &["alpha", "beta gamma"]),
    ("Arith", &[]),
    ("Strings", &[]),
    ("Objects", &[]),
    ("Collections", &[]),
    ("Lambdas", &[]),
    ("Enums", &[]),
    ("Exceptions", &[]),
    ("Switches", &[]),
    ("Uncaught", &[]),
    ("Exit", &[]),
    ("Gc", &[]),
    ("Oom", &[]),
    ("Threads", &[]),
    ("Recursion", &[]),
    ("ThreadsGc", &[]),
    ("Edges", &[]),
    ("Interrupts", &[]),
    ("Records", &[]),
];

/// What the serial console shows for a run: its standard output, then its standard error.
fn console(run: &Run) -> String {
    format!("{}{}", run.stdout, run.stderr)
}

/// Boots the corpus image running `class` and checks it against `java`.
fn same_as_java(classes: &Path, image: &Path, class: &str, arguments: &[&str], memory: &str) {
    same_as_java_on(classes, class, arguments, Boot::new(image.to_path_buf(), "microvm").memory(memory));
}

/// Boots `boot` (the corpus image) running `class` and checks it against `java`.
fn same_as_java_on(classes: &Path, class: &str, arguments: &[&str], boot: Boot<'_>) {
    let expected = under_java(classes, class, arguments);
    let option = format!("stardust.env=STARDUST_JAVA_MAIN={class}");
    let outcome = boot.kernel_option(&option).args(arguments).run();
    assert_eq!(
        (program_output(&outcome.serial), outcome.code),
        (console(&expected), Some(expected.code)),
        "{class} in the VM differs from java\n--- serial ---\n{}--- stderr ---\n{}",
        outcome.serial,
        outcome.stderr
    );
}

#[test]
fn every_corpus_program_runs_in_the_vm_as_under_java() {
    if let Some(reason) = jdk_missing() {
        return skip("every_corpus_program_runs_in_the_vm_as_under_java", &reason);
    }
    let classes = corpus();
    let image = image(&classes, "Hello");
    // Two boots at a time: the machine's two cores.
    std::thread::scope(|scope| {
        for pair in PROGRAMS.chunks(2) {
            let handles: Vec<_> = pair
                .iter()
                .map(|(class, arguments)| {
                    let (classes, image) = (&classes, &image);
                    scope.spawn(move || same_as_java(classes, image, class, arguments, "16M"))
                })
                .collect();
            for handle in handles {
                handle.join().unwrap();
            }
        }
    });
}

#[test]
fn threads_synchronized_wait_notify_and_the_collector_run_as_under_java_on_2_and_4_cpus() {
    if let Some(reason) = jdk_missing() {
        return skip("threads_synchronized_wait_notify_and_the_collector_run_as_under_java_on_2_and_4_cpus", &reason);
    }
    let classes = corpus();
    let image = image(&classes, "Hello");
    for (machine, cpus) in [("microvm", 2), ("q35", 4)] {
        for class in ["Threads", "ThreadsGc", "Interrupts"] {
            same_as_java_on(&classes, class, &[], Boot::new(image.clone(), machine).cpus(cpus));
        }
    }
}

#[test]
fn hello_runs_in_the_missions_4_mib() {
    if let Some(reason) = jdk_missing() {
        return skip("hello_runs_in_the_missions_4_mib", &reason);
    }
    let classes = corpus();
    same_as_java(&classes, &image(&classes, "Hello"), "Hello", &["small"], "4M");
}

#[test]
fn the_vm_built_for_the_host_matches_java_on_the_whole_corpus() {
    if let Some(reason) = jdk_missing() {
        return skip("the_vm_built_for_the_host_matches_java_on_the_whole_corpus", &reason);
    }
    let classes = corpus();
    for (class, arguments) in PROGRAMS.iter().chain([("Bench", &[][..])].iter()) {
        let (expected, found) = (under_java(&classes, class, arguments), under_host_vm(&classes, class, arguments));
        assert_eq!(found, expected, "{class}: the host VM differs from java");
    }
}

#[test]
fn a_jar_stored_or_deflated_runs_as_its_classes_do() {
    if let Some(reason) = jdk_missing() {
        return skip("a_jar_stored_or_deflated_runs_as_its_classes_do", &reason);
    }
    let classes = compile("jar-source", &["tests/java/Enums.java"]);
    let expected = under_java(&classes, "Enums", &[]);
    for (name, flags) in [("deflated.jar", "cfe"), ("stored.jar", "cf0e")] {
        let jar = root().join("target/java").join(name);
        let status = Command::new("jar").arg(flags).arg(&jar).arg("Enums").arg("-C").arg(&classes).arg(".").status();
        if !status.is_ok_and(|s| s.success()) {
            return skip("a_jar_stored_or_deflated_runs_as_its_classes_do", "the JDK's jar tool is missing or failed");
        }
        // The main class comes from the jar's manifest.
        let output = Command::new(root().join("scripts/run"))
            .args(["java", "--build-only", "--java"])
            .arg(&jar)
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}: {}", String::from_utf8_lossy(&output.stderr));
        let image = String::from_utf8_lossy(&output.stdout).trim().to_string();
        let outcome = Boot::new(image.into(), "microvm").run();
        assert_eq!(
            (program_output(&outcome.serial), outcome.code),
            (console(&expected), Some(0)),
            "{name}\n{}",
            outcome.serial
        );
    }
}

#[test]
fn a_broken_or_missing_class_is_javas_error_and_exit_1() {
    if let Some(reason) = jdk_missing() {
        return skip("a_broken_or_missing_class_is_javas_error_and_exit_1", &reason);
    }
    let source = root().join("target/java/broken-source");
    std::fs::create_dir_all(&source).unwrap();
    std::fs::write(
        source.join("Uses.java"),
        "public class Uses {\n    public static void main(String[] args) {\n        System.out.println(\"before\");\n        System.out.println(Helper.twice(21));\n    }\n}\nclass Helper {\n    static int twice(int x) { return 2 * x; }\n}\n",
    )
    .unwrap();
    let classes = compile("broken", &["target/java/broken-source/Uses.java"]);
    // Helper's magic number spoiled: ClassFormatError when main first uses it.
    let helper = classes.join("Helper.class");
    let mut bytes = std::fs::read(&helper).unwrap();
    bytes[0] = 0xBE;
    std::fs::write(&helper, &bytes).unwrap();
    let outcome = Boot::new(image(&classes, "Uses"), "microvm").run();
    outcome.expect_code(1).expect_lines(&[
        "before",
        "Exception in thread \"main\" java.lang.ClassFormatError: Helper: bad magic number (not a class file)",
    ]);
    // Helper gone: NoClassDefFoundError.
    std::fs::remove_file(&helper).unwrap();
    let missing = root().join("target/java/broken-missing");
    let _ = std::fs::remove_dir_all(&missing);
    std::fs::create_dir_all(&missing).unwrap();
    std::fs::copy(classes.join("Uses.class"), missing.join("Uses.class")).unwrap();
    let outcome = Boot::new(image(&missing, "Uses"), "microvm").run();
    outcome
        .expect_code(1)
        .expect_lines(&["before", "Exception in thread \"main\" java.lang.NoClassDefFoundError: Helper"]);
}

#[test]
fn bad_java_command_lines_are_refused_with_the_reason() {
    let run = |arguments: &[&str]| {
        let output = Command::new(root().join("scripts/run")).args(arguments).output().unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    for (arguments, code, message) in [
        (&["java", "--main", "Hello"][..], 2, "--main needs --java"),
        (&["java", "--java", "/nonexistent/classes"][..], 2, "no class directory or jar"),
        (&["minimal", "--java", "@"][..], 2, "--java needs an image whose app is java"),
        (&["java", "--java", "@", "--main", "1bad"][..], 2, "--main needs a class name"),
    ] {
        let corpus = root().join("tests/java");
        let arguments: Vec<&str> =
            arguments.iter().map(|a| if *a == "@" { corpus.to_str().unwrap() } else { a }).collect();
        let (found, stderr) = run(&arguments);
        assert_eq!(found, Some(code), "{arguments:?}: {stderr}");
        assert!(stderr.contains(message), "{arguments:?}: expected {message:?} in {stderr}");
    }
    // A directory without classes stops the build with the reason.
    let empty = root().join("target/java/empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (found, stderr) = run(&["java", "--build-only", "--java", empty.to_str().unwrap()]);
    assert_eq!(found, Some(125), "{stderr}");
    assert!(stderr.contains("no .class files to seal"), "{stderr}");
}
