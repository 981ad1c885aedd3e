//! Every decoder of register values, fed arbitrary registers: none panics, and what each
//! accepts keeps its promises.

use proptest::prelude::*;

use crate::{
    AT_FDCWD, Clock, Errno, FcntlCommand, FdTable, LookupStart, MapRequest, OpenFlags, PAGE_SIZE, Protection,
    StatusFlags, Sysno, UnknownCalls, UserMemory, check_at_flags, lookup_start, seek_position,
};

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn register_decoders_never_panic(registers in proptest::array::uniform6(any::<u64>()), small in 0u64..64) {
        let [first, second, third, fourth, fifth, sixth] = registers;
        if let Some(call) = Sysno::from_number(first) {
            prop_assert_eq!(call.number(), first);
        }
        let mut seen = UnknownCalls::new();
        prop_assert!(seen.first_report(first));
        prop_assert!(!seen.first_report(first));
        if let Some(errno) = Errno::from_return_value(first) {
            prop_assert_eq!(errno.to_return_value(), first);
        }
        if let Ok(protection) = Protection::from_bits(second) {
            prop_assert!(!(protection.write && protection.execute));
        }
        if let Ok(flags) = OpenFlags::decode(third) {
            prop_assert!(!flags.path_only || !flags.create);
        }
        if let Ok(request) = MapRequest::decode(first, second, small, fourth, fifth, sixth) {
            prop_assert!(request.length > 0 && request.length.is_multiple_of(PAGE_SIZE));
            let mut memory = UserMemory::new(crate::USER_SPACE_END, 16);
            if let Ok(address) = memory.place(&request) {
                prop_assert_eq!(memory.protection_at(address), Some(request.protection));
            }
        }
        let _ = FcntlCommand::decode(third as u32, fourth);
        let mut table: FdTable<()> = FdTable::new(8);
        let status = StatusFlags { access: crate::AccessMode::ReadOnly, append: false, nonblocking: false };
        let _ = table.open((), status, false);
        let _ = table.fcntl(small as u32 % 2, third as u32, fourth);
        if let Ok(lock) = crate::RecordLock::decode(&first.to_le_bytes().repeat(4)) {
            let _ = lock.check_access(crate::AccessMode::ReadOnly);
        }
        let _ = Clock::decode(first as i32);
        let _ = seek_position(first, second, third as i64, small as u32);
        let _ = check_at_flags(first, second);
        let start = lookup_start(fourth as i32, if small % 2 == 0 { b"/a" } else { b"a" });
        if fourth as i32 == AT_FDCWD {
            prop_assert!(matches!(start, Ok(LookupStart::Root | LookupStart::WorkingDirectory)));
        }
        let mut memory = UserMemory::new(first, small as usize);
        let _ = memory.map(second, third, Protection::READ);
        let _ = memory.protect(third, fourth, Protection::NONE);
        let _ = memory.unmap(fourth, fifth);
        let _ = memory.remap(second, third, fourth, small, fifth);
        let _ = memory.check(fifth, sixth, crate::Access::Read);
        let _ = memory.readable_length(fifth, sixth);
        let _ = memory.find_free(sixth, fifth);
    }
}
