//! lseek's arithmetic: where a file position goes, with Linux's errors.

use crate::Errno;

/// From the start of the file.
pub const SEEK_SET: u32 = 0;
/// From the current position.
pub const SEEK_CUR: u32 = 1;
/// From the end of the file.
pub const SEEK_END: u32 = 2;
/// To the next data at or after the offset.
pub const SEEK_DATA: u32 = 3;
/// To the next hole at or after the offset.
pub const SEEK_HOLE: u32 = 4;

/// The new position of `lseek(fd, offset, whence)` on a file of `size` bytes whose position is
/// `current`. Stardust's files have no holes, so `SEEK_DATA` finds data at `offset` and
/// `SEEK_HOLE` finds the end of the file, as Linux answers for a file without holes.
///
/// Errors: `EINVAL` for an unknown `whence`, and for a resulting position below 0 or past
/// `i64::MAX` (Linux's sum wraps negative there, hence the same answer); `ENXIO` for `SEEK_DATA`/`SEEK_HOLE` with an offset at or past
/// the end, or below 0. The kernel answers `ESPIPE` itself for pipes and the console, before
/// asking.
pub fn seek_position(current: u64, size: u64, offset: i64, whence: u32) -> Result<u64, Errno> {
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => current,
        SEEK_END => size,
        SEEK_DATA | SEEK_HOLE => {
            let start = u64::try_from(offset).map_err(|_| Errno::ENXIO)?;
            if start >= size {
                return Err(Errno::ENXIO);
            }
            return Ok(if whence == SEEK_DATA { start } else { size });
        }
        _ => return Err(Errno::EINVAL),
    };
    let base = i64::try_from(base).map_err(|_| Errno::EINVAL)?;
    let position = base.checked_add(offset).ok_or(Errno::EINVAL)?;
    u64::try_from(position).map_err(|_| Errno::EINVAL)
}
