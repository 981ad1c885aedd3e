//! The smp slot's implementation: threads on every CPU of the ACPI MADT.

use crate::{thread, time};

/// Starts every CPU the ACPI tables list; problems leave the image on the CPUs it has.
pub fn start_other_cpus() {
    let acpi = match hal::acpi::tables() {
        Ok(acpi) => acpi,
        Err(error) => {
            log::warn!("{error}: running on one CPU");
            return;
        }
    };
    if acpi.cpus_ignored > 0 {
        log::warn!("{} CPUs beyond the first {} are not used", acpi.cpus_ignored, acpi.apic_ids().len());
    }
    match hal::smp::start_secondary_cpus(acpi.apic_ids(), stardust_task::secondary_cpu_main) {
        Ok(online) => {
            // Each started CPU joins the scheduler a moment after it reports; wait (a bounded
            // while) so that the app sees every CPU in `available_parallelism`.
            let start = time::Instant::now();
            while thread::available_parallelism() < online && start.elapsed() < time::Duration::from_secs(1) {
                core::hint::spin_loop();
            }
            log::debug!("{online} of {} CPUs online", acpi.apic_ids().len());
        }
        Err(error) => log::warn!("cannot start the other CPUs ({error:?}): running on one"),
    }
}
