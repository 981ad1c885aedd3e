//! Property tests of the descriptor table against a reference model: random sequences of open,
//! close, dup, dup2, dup3 and fcntl (good and bad descriptors, known and unknown commands) give
//! the same results, the same descriptors, the same sharing and the same released objects.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::{
    AccessMode, Duplicated, Errno, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLK, F_SETFD, F_SETFL, F_SETLK,
    FD_CLOEXEC, FcntlOutcome, FdTable, O_APPEND, O_CLOEXEC, O_LARGEFILE, O_NONBLOCK, StatusFlags,
};

const LIMIT: u32 = 10;

/// Descriptor number to (object, close-on-exec); status per object. The object number names the
/// description: the table hands out a fresh one per open.
#[derive(Debug, Default)]
struct Model {
    descriptors: BTreeMap<u32, (u32, bool)>,
    status: BTreeMap<u32, StatusFlags>,
}

impl Model {
    fn lowest_free(&self, minimum: u32) -> Option<u32> {
        (minimum..LIMIT).find(|fd| !self.descriptors.contains_key(fd))
    }

    /// Removes `fd`; the object if no other descriptor refers to it.
    fn remove(&mut self, fd: u32) -> Option<u32> {
        let (object, _) = self.descriptors.remove(&fd)?;
        if self.descriptors.values().any(|&(other, _)| other == object) {
            return None;
        }
        self.status.remove(&object);
        Some(object)
    }

    fn open(&mut self, object: u32, status: StatusFlags, close_on_exec: bool) -> Result<u32, Errno> {
        let fd = self.lowest_free(0).ok_or(Errno::EMFILE)?;
        self.descriptors.insert(fd, (object, close_on_exec));
        self.status.insert(object, status);
        Ok(fd)
    }

    fn close(&mut self, fd: u32) -> Result<Option<u32>, Errno> {
        if !self.descriptors.contains_key(&fd) {
            return Err(Errno::EBADF);
        }
        Ok(self.remove(fd))
    }

    fn duplicate(&mut self, old: u32, new: u32, close_on_exec: bool) -> Result<Duplicated<u32>, Errno> {
        if new >= LIMIT {
            return Err(Errno::EBADF);
        }
        let &(object, _) = self.descriptors.get(&old).ok_or(Errno::EBADF)?;
        let mut released = None;
        if let Some(&(previous, _)) = self.descriptors.get(&new)
            && previous != object
        {
            released = self.remove(new);
        }
        self.descriptors.insert(new, (object, close_on_exec));
        Ok(Duplicated { fd: new, released })
    }

    fn dup(&mut self, fd: u32, minimum: u32, close_on_exec: bool) -> Result<u32, Errno> {
        let &(object, _) = self.descriptors.get(&fd).ok_or(Errno::EBADF)?;
        let new = self.lowest_free(minimum).ok_or(Errno::EMFILE)?;
        self.descriptors.insert(new, (object, close_on_exec));
        Ok(new)
    }

    fn dup2(&mut self, old: u32, new: u32) -> Result<Duplicated<u32>, Errno> {
        if old == new {
            return if self.descriptors.contains_key(&old) {
                Ok(Duplicated { fd: new, released: None })
            } else {
                Err(Errno::EBADF)
            };
        }
        self.duplicate(old, new, false)
    }

    fn dup3(&mut self, old: u32, new: u32, flags: u64) -> Result<Duplicated<u32>, Errno> {
        if flags & !O_CLOEXEC != 0 || old == new {
            return Err(Errno::EINVAL);
        }
        self.duplicate(old, new, flags == O_CLOEXEC)
    }

    fn fcntl(&mut self, fd: u32, command: u32, argument: u64) -> Result<FcntlOutcome, Errno> {
        let &(object, close_on_exec) = self.descriptors.get(&fd).ok_or(Errno::EBADF)?;
        match command {
            F_SETLK | F_GETLK => {
                let access = self.status[&object].access;
                Ok(FcntlOutcome::Lock { test: command == F_GETLK, argument, access })
            }
            _ => self.fcntl_value(fd, object, close_on_exec, command, argument).map(FcntlOutcome::Value),
        }
    }

    fn fcntl_value(
        &mut self,
        fd: u32,
        object: u32,
        close_on_exec: bool,
        command: u32,
        argument: u64,
    ) -> Result<u64, Errno> {
        match command {
            F_DUPFD | F_DUPFD_CLOEXEC => {
                if argument >= u64::from(LIMIT) {
                    return Err(Errno::EINVAL);
                }
                self.dup(fd, argument as u32, command == F_DUPFD_CLOEXEC).map(u64::from)
            }
            F_GETFD => Ok(if close_on_exec { FD_CLOEXEC } else { 0 }),
            F_SETFD => {
                self.descriptors.insert(fd, (object, argument & FD_CLOEXEC != 0));
                Ok(0)
            }
            F_GETFL => {
                let status = self.status[&object];
                let mut bits = status.access.bits() | O_LARGEFILE;
                if status.append {
                    bits |= O_APPEND;
                }
                if status.nonblocking {
                    bits |= O_NONBLOCK;
                }
                Ok(bits)
            }
            F_SETFL => {
                let status = self.status.get_mut(&object).ok_or(Errno::EBADF)?;
                status.append = argument & O_APPEND != 0;
                status.nonblocking = argument & O_NONBLOCK != 0;
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        }
    }
}

#[derive(Debug, Clone)]
enum Operation {
    Open { access: AccessMode, append: bool, close_on_exec: bool },
    Close(u32),
    Dup(u32),
    Dup2(u32, u32),
    Dup3(u32, u32, u64),
    Fcntl(u32, u32, u64),
}

/// Mostly numbers below the limit, sometimes just past it or a negative `int`.
fn fd() -> impl Strategy<Value = u32> {
    prop_oneof![8 => 0..LIMIT, 1 => LIMIT..LIMIT + 3, 1 => Just(u32::MAX)]
}

fn operation() -> impl Strategy<Value = Operation> {
    let access = prop_oneof![Just(AccessMode::ReadOnly), Just(AccessMode::WriteOnly), Just(AccessMode::ReadWrite)];
    let command = prop_oneof![
        Just(F_DUPFD),
        Just(F_DUPFD_CLOEXEC),
        Just(F_GETFD),
        Just(F_SETFD),
        Just(F_GETFL),
        Just(F_SETFL),
        Just(F_SETLK),
        Just(F_GETLK),
        Just(99u32)
    ];
    let argument =
        prop_oneof![0..u64::from(LIMIT) + 2, Just(O_APPEND | O_NONBLOCK | 0o2), Just(FD_CLOEXEC), any::<u64>()];
    prop_oneof![
        3 => (access, any::<bool>(), any::<bool>()).prop_map(|(access, append, close_on_exec)| Operation::Open {
            access,
            append,
            close_on_exec
        }),
        2 => fd().prop_map(Operation::Close),
        1 => fd().prop_map(Operation::Dup),
        2 => (fd(), fd()).prop_map(|(old, new)| Operation::Dup2(old, new)),
        1 => (fd(), fd(), prop_oneof![Just(0), Just(O_CLOEXEC), Just(O_NONBLOCK)])
            .prop_map(|(old, new, flags)| Operation::Dup3(old, new, flags)),
        3 => (fd(), command, argument).prop_map(|(fd, command, argument)| Operation::Fcntl(fd, command, argument)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn operations_agree_with_the_model(operations in proptest::collection::vec(operation(), 1..60)) {
        let mut table: FdTable<u32> = FdTable::new(LIMIT);
        let mut model = Model::default();
        let mut next_object = 0;
        for operation in operations {
            match operation {
                Operation::Open { access, append, close_on_exec } => {
                    next_object += 1;
                    let status = StatusFlags { access, append, nonblocking: false };
                    let result = table.open(next_object, status, close_on_exec).map_err(|(errno, object)| {
                        assert_eq!(object, next_object, "the object comes back");
                        errno
                    });
                    prop_assert_eq!(result, model.open(next_object, status, close_on_exec));
                }
                Operation::Close(fd) => prop_assert_eq!(table.close(fd), model.close(fd), "close({})", fd),
                Operation::Dup(fd) => prop_assert_eq!(table.dup(fd), model.dup(fd, 0, false), "dup({})", fd),
                Operation::Dup2(old, new) => {
                    prop_assert_eq!(table.dup2(old, new), model.dup2(old, new), "dup2({}, {})", old, new)
                }
                Operation::Dup3(old, new, flags) => {
                    prop_assert_eq!(table.dup3(old, new, flags), model.dup3(old, new, flags), "dup3({}, {}, {:#x})", old, new, flags)
                }
                Operation::Fcntl(fd, command, argument) => {
                    let result = table.fcntl(fd, command, argument);
                    prop_assert_eq!(result, model.fcntl(fd, command, argument), "fcntl({}, {}, {:#x})", fd, command, argument);
                }
            }
            // The same descriptors, each with the same object, close-on-exec and status.
            prop_assert_eq!(table.open_descriptors().collect::<Vec<_>>(), model.descriptors.keys().copied().collect::<Vec<_>>());
            for (&fd, &(object, close_on_exec)) in &model.descriptors {
                prop_assert_eq!(table.get(fd), Ok(&object));
                prop_assert_eq!(table.close_on_exec(fd), Ok(close_on_exec));
                prop_assert_eq!(table.status(fd), Ok(model.status[&object]));
            }
        }
    }
}
