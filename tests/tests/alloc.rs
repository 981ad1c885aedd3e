//! Boot tests of the heap slot: every allocator inside the VM, under the allocstress app.

use stardust_boot_tests::{Boot, image, implementations};

fn allocstress(allocator: &str, memory: &str, modes: &[&str]) -> stardust_boot_tests::Outcome {
    Boot::new(image("minimal", &[allocator, "app-allocstress"]), "microvm").memory(memory).args(modes).run()
}

#[test]
fn every_allocator_survives_mixed_sizes_fragmentation_and_big_blocks() {
    for allocator in implementations("allocator") {
        let allocator = allocator.as_str();
        allocstress(allocator, "64M", &["mixed", "fragment", "big", "try"]).expect_code(0).expect_lines(&[
            "allocstress: mixed ok",
            "allocstress: fragment ok",
            "allocstress: big ok",
            "failed cleanly",
            "allocstress: try ok",
        ]);
    }
}

#[test]
fn buddy_and_tlsf_recycle_a_hundred_heaps_without_running_out() {
    for allocator in ["alloc-buddy", "alloc-tlsf"] {
        allocstress(allocator, "8M", &["churn", "stats"]).expect_code(0).expect_lines(&[
            "allocstress: churn moved",
            "allocstress: churn ok",
            "failed 0",
        ]);
    }
}

#[test]
fn an_infallible_allocation_beyond_the_heap_reports_and_exits_103() {
    for allocator in implementations("allocator") {
        let allocator = allocator.as_str();
        allocstress(allocator, "16M", &["oom"]).expect_code(103).expect_lines(&[
            "allocstress: allocating",
            "stardust: out of memory: an allocation of",
            "stardust: heap: ",
        ]);
    }
}

#[test]
fn hello_runs_in_two_mebibytes_with_every_allocator() {
    for allocator in implementations("allocator") {
        let allocator = allocator.as_str();
        for machine in ["microvm", "q35"] {
            Boot::new(image("minimal", &[allocator]), machine)
                .memory("2M")
                .run()
                .expect_code(0)
                .expect_lines(&["Hello from Stardust!"]);
        }
    }
}

#[test]
fn the_heap_covers_nearly_all_of_a_gibibyte() {
    for allocator in implementations("allocator") {
        let allocator = allocator.as_str();
        let outcome = allocstress(allocator, "1G", &["stats"]);
        outcome.expect_code(0);
        let total: u64 = outcome
            .serial
            .lines()
            .find_map(|line| line.strip_prefix("allocstress: heap total "))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no heap total in:\n{}", outcome.serial));
        // 1 GiB less the image, the legacy hole below 1 MiB and the buddy allocator's bitmap.
        assert!(total > 1000 << 20, "{allocator}: heap of {total} bytes in a 1 GiB VM");
    }
}
