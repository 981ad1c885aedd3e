//! `Barrier`: threads wait until a set number of them have arrived.

use super::{Condvar, Mutex};

/// Lets `n` threads wait for each other, as `std::sync::Barrier`.
#[derive(Debug)]
pub struct Barrier {
    state: Mutex<(usize, u64)>,
    all_here: Condvar,
    count: usize,
}

/// Returned by `wait`: exactly one thread per round is the leader.
#[derive(Debug, Clone, Copy)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// True for one thread of each round.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `count` threads.
    pub const fn new(count: usize) -> Self {
        Barrier { state: Mutex::new((0, 0)), all_here: Condvar::new(), count }
    }

    /// Waits until `count` threads have called `wait` in this round.
    pub fn wait(&self) -> BarrierWaitResult {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let round = state.1;
        state.0 += 1;
        if state.0 >= self.count {
            state.0 = 0;
            state.1 = state.1.wrapping_add(1);
            self.all_here.notify_all();
            return BarrierWaitResult(true);
        }
        let _state = self.all_here.wait_while(state, |state| state.1 == round);
        BarrierWaitResult(false)
    }
}
