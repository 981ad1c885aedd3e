// The modes threadtest runs when given none, which every scheduler must pass. The one list:
// the boot tests read this file too (`include!`), so that they expect exactly these.
/// The modes run when no arguments are given.
pub const COMMON: [&str; 6] = ["counter", "channel", "pingpong", "sleep", "primitives", "spawn-errors"];
