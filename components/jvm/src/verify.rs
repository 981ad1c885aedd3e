//! The verifier: before a method runs, its code is proved well-formed and type-safe by data-flow
//! analysis (JVMS §4.10.2, without StackMapTable and with references as one type). After it
//! passes, the interpreter can trust that every instruction starts where a branch lands, every
//! constant-pool operand has the right kind, the operand stack never underflows or passes
//! `max_stack`, locals stay under `max_locals`, and every value has the kind its instruction
//! wants (int, long, float, double, reference). Reference *classes* are checked at run time.

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use crate::classfile::{ClassFile, Constant, Member, Pool, access};
use crate::descriptor::{Kind, Signature, field_kind};
use crate::error::LinkError;

/// A verification type: a local or operand-stack entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum T {
    /// Unusable (unset, or two kinds merged).
    Top,
    Int,
    Float,
    Long,
    Double,
    Ref,
}

impl T {
    fn of(kind: Kind) -> T {
        match kind {
            Kind::Int => T::Int,
            Kind::Long => T::Long,
            Kind::Float => T::Float,
            Kind::Double => T::Double,
            Kind::Reference => T::Ref,
        }
    }
    fn wide(self) -> bool {
        matches!(self, T::Long | T::Double)
    }
}

/// The stack shuffles (pop2, dup*, swap) on an operand stack of values that know their width (a
/// long or double is one entry). Err(()): none of the forms the JVMS allows fits.
fn shuffle<V: Copy>(opcode: u8, stack: &mut Vec<V>, wide: impl Fn(&V) -> bool) -> Result<(), ()> {
    let n = stack.len();
    let at = |i: usize| -> Result<V, ()> { if i <= n && i > 0 { Ok(stack[n - i]) } else { Err(()) } };
    let narrow = |i: usize| -> Result<V, ()> { at(i).and_then(|v| if wide(&v) { Err(()) } else { Ok(v) }) };
    match opcode {
        0x57 => {
            narrow(1)?;
            stack.pop();
        }
        0x58 => {
            if wide(&at(1)?) {
                stack.pop();
            } else {
                narrow(2)?;
                stack.truncate(n - 2);
            }
        }
        0x59 => stack.push(narrow(1)?),
        0x5a => {
            let (v1, v2) = (narrow(1)?, narrow(2)?);
            stack.truncate(n - 2);
            stack.extend([v1, v2, v1]);
        }
        0x5b => {
            let v1 = narrow(1)?;
            let v2 = at(2)?;
            if wide(&v2) {
                stack.truncate(n - 2);
                stack.extend([v1, v2, v1]);
            } else {
                let v3 = narrow(3)?;
                stack.truncate(n - 3);
                stack.extend([v1, v3, v2, v1]);
            }
        }
        0x5c => {
            let v1 = at(1)?;
            if wide(&v1) {
                stack.push(v1);
            } else {
                let v2 = narrow(2)?;
                stack.extend([v2, v1]);
            }
        }
        0x5d => {
            let v1 = at(1)?;
            if wide(&v1) {
                let v2 = narrow(2)?;
                stack.truncate(n - 2);
                stack.extend([v1, v2, v1]);
            } else {
                let (v2, v3) = (narrow(2)?, narrow(3)?);
                stack.truncate(n - 3);
                stack.extend([v2, v1, v3, v2, v1]);
            }
        }
        0x5e => {
            let v1 = at(1)?;
            if wide(&v1) {
                let v2 = at(2)?;
                if wide(&v2) {
                    stack.truncate(n - 2);
                    stack.extend([v1, v2, v1]);
                } else {
                    let v3 = narrow(3)?;
                    stack.truncate(n - 3);
                    stack.extend([v1, v3, v2, v1]);
                }
            } else {
                let v2 = narrow(2)?;
                let v3 = at(3)?;
                if wide(&v3) {
                    stack.truncate(n - 3);
                    stack.extend([v2, v1, v3, v2, v1]);
                } else {
                    let v4 = narrow(4)?;
                    stack.truncate(n - 4);
                    stack.extend([v2, v1, v4, v3, v2, v1]);
                }
            }
        }
        0x5f => {
            let (v1, v2) = (narrow(1)?, narrow(2)?);
            stack.truncate(n - 2);
            stack.extend([v1, v2]);
        }
        _ => return Err(()),
    }
    Ok(())
}

/// The operands' length of the instruction at `pc` (the opcode byte included), for every opcode
/// this VM runs; None for an unknown or refused opcode or one cut off by the code's end.
pub fn length(code: &[u8], pc: usize) -> Option<usize> {
    let opcode = *code.get(pc)?;
    let length = match opcode {
        0x10 | 0x12 | 0x15..=0x19 | 0x36..=0x3a | 0xbc => 2,
        0x11 | 0x13 | 0x14 | 0x84 | 0x99..=0xa7 | 0xb2..=0xb8 | 0xbb | 0xbd | 0xc0 | 0xc1 | 0xc6 | 0xc7 => 3,
        0xc5 => 4,
        0xb9 | 0xba | 0xc8 => 5,
        0xc4 => match *code.get(pc + 1)? {
            0x84 => 6,
            0x15..=0x19 | 0x36..=0x3a => 4,
            _ => return None,
        },
        0xaa | 0xab => {
            let base = (pc + 4) & !3;
            let word = |i: usize| -> Option<i32> {
                let b = code.get(base + 4 * i..base + 4 * i + 4)?;
                Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            };
            let entries = if opcode == 0xaa {
                let (low, high) = (word(1)?, word(2)?);
                if low > high {
                    return None;
                }
                3 + (high as i64 - low as i64 + 1) as usize
            } else {
                let pairs = word(1)?;
                if pairs < 0 {
                    return None;
                }
                2 + 2 * pairs as usize
            };
            base + 4 * entries - pc
        }
        0x00..=0x0f | 0x1a..=0x35 | 0x3b..=0x83 | 0x85..=0x98 | 0xac..=0xb1 | 0xbe | 0xbf | 0xc2 | 0xc3 => 1,
        _ => return None,
    };
    (pc + length <= code.len()).then_some(length)
}

#[inline(always)]
pub(crate) fn u2(code: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([code[at], code[at + 1]])
}
#[inline(always)]
pub(crate) fn s4(code: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([code[at], code[at + 1], code[at + 2], code[at + 3]])
}

/// The branch targets of the instruction at `pc` (none for the ones that do not branch).
pub fn targets(code: &[u8], pc: usize) -> Vec<i64> {
    let offset = |delta: i64| pc as i64 + delta;
    match code[pc] {
        0x99..=0xa7 | 0xc6 | 0xc7 => vec![offset(u2(code, pc + 1) as i16 as i64)],
        0xc8 => vec![offset(s4(code, pc + 1) as i64)],
        0xaa => {
            let base = (pc + 4) & !3;
            let (low, high) = (s4(code, base + 4), s4(code, base + 8));
            let mut all = vec![offset(s4(code, base) as i64)];
            for i in 0..=(high as i64 - low as i64) as usize {
                all.push(offset(s4(code, base + 12 + 4 * i) as i64));
            }
            all
        }
        0xab => {
            let base = (pc + 4) & !3;
            let pairs = s4(code, base + 4) as usize;
            let mut all = vec![offset(s4(code, base) as i64)];
            for i in 0..pairs {
                all.push(offset(s4(code, base + 12 + 8 * i) as i64));
            }
            all
        }
        _ => Vec::new(),
    }
}

/// The verifier's budget: instructions times (locals + stack) slots, one byte each. javac's
/// largest methods in the JDK come to a few hundred thousand.
const MAX_STATE_SLOTS: usize = 8 << 20;

#[derive(Clone, PartialEq)]
struct State {
    locals: Vec<T>,
    stack: Vec<T>,
}

struct Checker<'a> {
    pool: Pool<'a>,
    max_stack: usize,
    max_locals: usize,
    result: Option<Kind>,
}

fn fail<V>(pc: usize, message: &str) -> Result<V, LinkError> {
    Err(LinkError::Verify(format!("{message} at bytecode {pc}")))
}

impl State {
    fn pop(&mut self, want: T, pc: usize) -> Result<(), LinkError> {
        match self.stack.pop() {
            Some(found) if found == want => Ok(()),
            Some(_) => fail(pc, "wrong type on the operand stack"),
            None => fail(pc, "operand stack underflow"),
        }
    }
    fn push(&mut self, value: T, checker: &Checker, pc: usize) -> Result<(), LinkError> {
        self.stack.push(value);
        let slots: usize = self.stack.iter().map(|t| if t.wide() { 2 } else { 1 }).sum();
        if slots > checker.max_stack { fail(pc, "operand stack overflow (above max_stack)") } else { Ok(()) }
    }
    fn load(&mut self, index: usize, want: T, checker: &Checker, pc: usize) -> Result<(), LinkError> {
        let ok = self.locals.get(index) == Some(&want) && (!want.wide() || index + 1 < self.locals.len());
        if !ok {
            return fail(pc, "local variable has the wrong type or is out of range");
        }
        self.push(want, checker, pc)
    }
    /// iinc: the local must hold an int; the operand stack is not touched.
    fn increment(&self, index: usize, pc: usize) -> Result<(), LinkError> {
        if self.locals.get(index) == Some(&T::Int) { Ok(()) } else { fail(pc, "iinc of a local that is not an int") }
    }
    fn store(&mut self, index: usize, value: T, pc: usize) -> Result<(), LinkError> {
        self.pop(value, pc)?;
        let end = index + if value.wide() { 2 } else { 1 };
        if end > self.locals.len() {
            return fail(pc, "local variable index out of range");
        }
        if index > 0 && self.locals[index - 1].wide() {
            self.locals[index - 1] = T::Top;
        }
        self.locals[index] = value;
        if value.wide() {
            self.locals[index + 1] = T::Top;
        }
        Ok(())
    }
}

/// Verifies every method of `class`.
pub fn verify_class(class: &ClassFile) -> Result<(), LinkError> {
    for method in &class.methods {
        verify_method(class, method)
            .map_err(|error| error.within(&format!("{}.{}{}", class.name, method.name, method.descriptor)))?;
    }
    Ok(())
}

/// Verifies one method (nothing to do without code; a concrete method without code must be native).
pub fn verify_method(class: &ClassFile, method: &Member) -> Result<(), LinkError> {
    let signature = Signature::parse(&method.descriptor).ok_or_else(|| LinkError::verify("bad method descriptor"))?;
    let Some(code) = &method.code else {
        if method.access & (access::ABSTRACT | access::NATIVE) == 0 {
            return Err(LinkError::verify("a method without code that is neither abstract nor native"));
        }
        return Ok(());
    };
    if method.access & (access::ABSTRACT | access::NATIVE) != 0 {
        return Err(LinkError::verify("an abstract or native method with code"));
    }
    let bytes = &code.bytes[..];
    if bytes.is_empty() {
        return Err(LinkError::verify("a method with empty code"));
    }
    // The analysis keeps a state (locals and stack) per instruction: bounded, so that no class
    // file can make the verifier take more than a few MiB.
    if bytes.len().saturating_mul(code.max_locals as usize + code.max_stack as usize + 1) > MAX_STATE_SLOTS {
        return Err(LinkError::verify("method too large to verify (code length times locals and stack)"));
    }
    // Every instruction is checked against every handler.
    if bytes.len().saturating_mul(code.handlers.len()) > MAX_STATE_SLOTS {
        return Err(LinkError::verify("method too large to verify (code length times exception handlers)"));
    }
    if !code.handlers.is_empty() && code.max_stack == 0 {
        return Err(LinkError::verify("an exception handler needs max_stack of at least 1 for its exception"));
    }
    let checker = Checker {
        pool: Pool(&class.pool),
        max_stack: code.max_stack as usize,
        max_locals: code.max_locals as usize,
        result: signature.result,
    };
    // Instruction boundaries.
    let mut starts = vec![false; bytes.len()];
    let mut pc = 0;
    while pc < bytes.len() {
        starts[pc] = true;
        pc += match length(bytes, pc) {
            Some(length) => length,
            None => {
                return match bytes[pc] {
                    0xa8 | 0xa9 | 0xc9 => fail(pc, "jsr/ret (class files before Java 6) are not supported"),
                    _ => fail(pc, "unknown opcode or instruction cut off by the end of the code"),
                };
            }
        };
    }
    let lands = |target: i64| target >= 0 && (target as usize) < bytes.len() && starts[target as usize];
    for handler in code.handlers.iter() {
        let (start, end, at) = (handler.start as usize, handler.end as usize, handler.handler as i64);
        if start >= end || !lands(start as i64) || !(end == bytes.len() || lands(end as i64)) || !lands(at) {
            return Err(LinkError::verify("exception handler range or target is not on an instruction"));
        }
    }
    // The entry state.
    let mut locals = vec![T::Top; checker.max_locals];
    let mut slot = 0;
    let mut parameters: Vec<T> = Vec::new();
    if method.access & access::STATIC == 0 {
        parameters.push(T::Ref);
    }
    parameters.extend(signature.parameters.iter().map(|kind| T::of(*kind)));
    for parameter in parameters {
        let end = slot + if parameter.wide() { 2 } else { 1 };
        if end > locals.len() {
            return Err(LinkError::verify("the parameters do not fit in max_locals"));
        }
        locals[slot] = parameter;
        slot = end;
    }
    let mut states: Vec<Option<State>> = vec![None; bytes.len()];
    states[0] = Some(State { locals, stack: Vec::new() });
    let mut work = vec![0usize];
    let merge = |states: &mut Vec<Option<State>>,
                 work: &mut Vec<usize>,
                 target: usize,
                 incoming: &State,
                 pc: usize|
     -> Result<(), LinkError> {
        match &mut states[target] {
            None => {
                states[target] = Some(incoming.clone());
                work.push(target);
            }
            Some(existing) => {
                if existing.stack != incoming.stack {
                    return fail(pc, "operand stacks differ where paths join");
                }
                let mut changed = false;
                for (have, new) in existing.locals.iter_mut().zip(&incoming.locals) {
                    if *have != *new && *have != T::Top {
                        *have = T::Top;
                        changed = true;
                    }
                }
                if changed {
                    work.push(target);
                }
            }
        }
        Ok(())
    };
    while let Some(pc) = work.pop() {
        let Some(before) = states[pc].clone() else { continue };
        let mut state = before.clone();
        let falls = step(&checker, bytes, pc, &mut state)?;
        for handler in code.handlers.iter() {
            if (handler.start as usize..handler.end as usize).contains(&pc) {
                if handler.catch != 0 {
                    checker.pool.class_name(handler.catch).map_err(|_| LinkError::verify("bad catch type"))?;
                }
                for locals in [&before.locals, &state.locals] {
                    let entry = State { locals: locals.clone(), stack: vec![T::Ref] };
                    merge(&mut states, &mut work, handler.handler as usize, &entry, pc)?;
                }
            }
        }
        for target in targets(bytes, pc) {
            if !lands(target) {
                return fail(pc, "branch target is not on an instruction");
            }
            merge(&mut states, &mut work, target as usize, &state, pc)?;
        }
        if falls {
            let next = pc + length(bytes, pc).unwrap_or(1);
            if next >= bytes.len() {
                return fail(pc, "execution falls off the end of the code");
            }
            merge(&mut states, &mut work, next, &state, pc)?;
        }
    }
    Ok(())
}

/// Applies the instruction at `pc` to `state`; Ok(true) when execution may continue with the next
/// instruction (branches are followed by the caller).
fn step(checker: &Checker, code: &[u8], pc: usize, state: &mut State) -> Result<bool, LinkError> {
    use T::*;
    let opcode = code[pc];
    let pool = checker.pool;
    let simple = |pops: &[T], push: Option<T>, state: &mut State| -> Result<bool, LinkError> {
        for want in pops.iter().rev() {
            state.pop(*want, pc)?;
        }
        if let Some(value) = push {
            state.push(value, checker, pc)?;
        }
        Ok(true)
    };
    let local =
        |wide_index: bool| -> usize { if wide_index { u2(code, pc + 2) as usize } else { code[pc + 1] as usize } };
    let kinds = [Int, Long, Float, Double, Ref];
    match opcode {
        0x00 => Ok(true),
        0x01 => simple(&[], Some(Ref), state),
        0x02..=0x08 | 0x10 | 0x11 => simple(&[], Some(Int), state),
        0x09 | 0x0a => simple(&[], Some(Long), state),
        0x0b..=0x0d => simple(&[], Some(Float), state),
        0x0e | 0x0f => simple(&[], Some(Double), state),
        0x12..=0x14 => {
            let index = if opcode == 0x12 { code[pc + 1] as u16 } else { u2(code, pc + 1) };
            let value = match (opcode, pool.get(index).map_err(|_| LinkError::verify("bad ldc index"))?) {
                (0x12 | 0x13, Constant::Integer(_)) => Int,
                (0x12 | 0x13, Constant::Float(_)) => Float,
                (
                    0x12 | 0x13,
                    Constant::String(_) | Constant::Class(_) | Constant::MethodType(_) | Constant::MethodHandle(..),
                ) => Ref,
                (0x14, Constant::Long(_)) => Long,
                (0x14, Constant::Double(_)) => Double,
                _ => return fail(pc, "ldc of a constant of the wrong kind"),
            };
            simple(&[], Some(value), state)
        }
        0x15..=0x19 => {
            let kind = kinds[(opcode - 0x15) as usize];
            state.load(local(false), kind, checker, pc)?;
            Ok(true)
        }
        0x1a..=0x2d => {
            let n = (opcode - 0x1a) as usize;
            state.load(n % 4, kinds[n / 4], checker, pc)?;
            Ok(true)
        }
        0x2e..=0x35 => {
            let value = [Int, Long, Float, Double, Ref, Int, Int, Int][(opcode - 0x2e) as usize];
            simple(&[Ref, Int], Some(value), state)
        }
        0x36..=0x3a => {
            state.store(local(false), kinds[(opcode - 0x36) as usize], pc)?;
            Ok(true)
        }
        0x3b..=0x4e => {
            let n = (opcode - 0x3b) as usize;
            state.store(n % 4, kinds[n / 4], pc)?;
            Ok(true)
        }
        0x4f..=0x56 => {
            let value = [Int, Long, Float, Double, Ref, Int, Int, Int][(opcode - 0x4f) as usize];
            simple(&[Ref, Int, value], None, state)
        }
        0x57..=0x5f => {
            shuffle(opcode, &mut state.stack, |t| t.wide())
                .or_else(|_| fail(pc, "stack shuffle on values of the wrong size"))?;
            if state.stack.contains(&Top) {
                return fail(pc, "unusable value on the operand stack");
            }
            let slots: usize = state.stack.iter().map(|t| if t.wide() { 2 } else { 1 }).sum();
            if slots > checker.max_stack {
                return fail(pc, "operand stack overflow (above max_stack)");
            }
            Ok(true)
        }
        0x60..=0x73 => {
            let kind = kinds[((opcode - 0x60) % 4) as usize];
            simple(&[kind, kind], Some(kind), state)
        }
        0x74..=0x77 => {
            let kind = kinds[(opcode - 0x74) as usize];
            simple(&[kind], Some(kind), state)
        }
        0x78..=0x7d => {
            let kind = if opcode.is_multiple_of(2) { Int } else { Long };
            simple(&[kind, Int], Some(kind), state)
        }
        0x7e..=0x83 => {
            let kind = if opcode.is_multiple_of(2) { Int } else { Long };
            simple(&[kind, kind], Some(kind), state)
        }
        0x84 => {
            state.increment(code[pc + 1] as usize, pc)?;
            Ok(true)
        }
        0x85..=0x93 => {
            let (from, to) = match opcode {
                0x85 => (Int, Long),
                0x86 => (Int, Float),
                0x87 => (Int, Double),
                0x88 => (Long, Int),
                0x89 => (Long, Float),
                0x8a => (Long, Double),
                0x8b => (Float, Int),
                0x8c => (Float, Long),
                0x8d => (Float, Double),
                0x8e => (Double, Int),
                0x8f => (Double, Long),
                0x90 => (Double, Float),
                _ => (Int, Int),
            };
            simple(&[from], Some(to), state)
        }
        0x94 => simple(&[Long, Long], Some(Int), state),
        0x95 | 0x96 => simple(&[Float, Float], Some(Int), state),
        0x97 | 0x98 => simple(&[Double, Double], Some(Int), state),
        0x99..=0x9e => simple(&[Int], None, state),
        0x9f..=0xa4 => simple(&[Int, Int], None, state),
        0xa5 | 0xa6 => simple(&[Ref, Ref], None, state),
        0xa7 | 0xc8 => Ok(false),
        0xaa | 0xab => {
            state.pop(Int, pc)?;
            Ok(false)
        }
        0xac..=0xb0 => {
            let want = kinds[(opcode - 0xac) as usize];
            if checker.result.map(T::of) != Some(want) {
                return fail(pc, "return instruction does not match the method's return type");
            }
            state.pop(want, pc)?;
            Ok(false)
        }
        0xb1 => {
            if checker.result.is_some() {
                return fail(pc, "void return from a method that returns a value");
            }
            Ok(false)
        }
        0xb2..=0xb5 => {
            let index = u2(code, pc + 1);
            if !matches!(pool.get(index), Ok(Constant::Fieldref(..))) {
                return fail(pc, "field instruction without a field reference");
            }
            let (_, _, descriptor) = pool.member(index)?;
            let kind = T::of(field_kind(descriptor).ok_or_else(|| LinkError::verify("bad field descriptor"))?);
            match opcode {
                0xb2 => simple(&[], Some(kind), state),
                0xb3 => simple(&[kind], None, state),
                0xb4 => simple(&[Ref], Some(kind), state),
                _ => simple(&[Ref, kind], None, state),
            }
        }
        0xb6..=0xba => {
            let index = u2(code, pc + 1);
            let constant = pool.get(index).map_err(|_| LinkError::verify("bad method reference"))?;
            let descriptor = match (opcode, constant) {
                (0xb6, Constant::Methodref(..))
                | (0xb7 | 0xb8, Constant::Methodref(..) | Constant::InterfaceMethodref(..))
                | (0xb9, Constant::InterfaceMethodref(..)) => {
                    let (_, name, descriptor) = pool.member(index)?;
                    if name.starts_with('<') && (opcode != 0xb7 || name != "<init>") {
                        return fail(pc, "invoke of an initialisation method");
                    }
                    if opcode == 0xb9 && code[pc + 4] != 0 {
                        return fail(pc, "invokeinterface's fourth byte is not zero");
                    }
                    if opcode == 0xb9 {
                        let slots = Signature::parse(descriptor).map_or(0, |s| s.slots()) + 1;
                        if code[pc + 3] as usize != slots {
                            return fail(pc, "invokeinterface's count does not match its arguments");
                        }
                    }
                    descriptor
                }
                (0xba, Constant::InvokeDynamic(_, nat)) => {
                    if u2(code, pc + 3) != 0 {
                        return fail(pc, "invokedynamic's third and fourth bytes are not zero");
                    }
                    pool.name_and_type(*nat)?.1
                }
                _ => return fail(pc, "invoke of a constant that is not a method of the right kind"),
            };
            let signature = Signature::parse(descriptor).ok_or_else(|| LinkError::verify("bad method descriptor"))?;
            for kind in signature.parameters.iter().rev() {
                state.pop(T::of(*kind), pc)?;
            }
            if opcode != 0xb8 && opcode != 0xba {
                state.pop(Ref, pc)?;
            }
            if let Some(kind) = signature.result {
                state.push(T::of(kind), checker, pc)?;
            }
            Ok(true)
        }
        0xbb | 0xbd | 0xc0 | 0xc1 => {
            let name =
                pool.class_name(u2(code, pc + 1)).map_err(|_| LinkError::verify("class operand is not a class"))?;
            match opcode {
                0xbb => {
                    if name.starts_with('[') {
                        return fail(pc, "new of an array class");
                    }
                    simple(&[], Some(Ref), state)
                }
                0xbd => simple(&[Int], Some(Ref), state),
                0xc0 => simple(&[Ref], Some(Ref), state),
                _ => simple(&[Ref], Some(Int), state),
            }
        }
        0xbc => {
            if !(4..=11).contains(&code[pc + 1]) {
                return fail(pc, "newarray of an unknown element type");
            }
            simple(&[Int], Some(Ref), state)
        }
        0xbe => simple(&[Ref], Some(Int), state),
        0xbf => {
            state.pop(Ref, pc)?;
            Ok(false)
        }
        0xc2 | 0xc3 => simple(&[Ref], None, state),
        0xc4 => {
            let index = u2(code, pc + 2) as usize;
            match code[pc + 1] {
                0x84 => state.increment(index, pc)?,
                op @ 0x15..=0x19 => state.load(index, kinds[(op - 0x15) as usize], checker, pc)?,
                op => state.store(index, kinds[(op - 0x36) as usize], pc)?,
            }
            Ok(true)
        }
        0xc5 => {
            let name =
                pool.class_name(u2(code, pc + 1)).map_err(|_| LinkError::verify("class operand is not a class"))?;
            let dimensions = code[pc + 3] as usize;
            if dimensions == 0 || name.bytes().take_while(|b| *b == b'[').count() < dimensions {
                return fail(pc, "multianewarray with more dimensions than its class");
            }
            for _ in 0..dimensions {
                state.pop(Int, pc)?;
            }
            state.push(Ref, checker, pc)?;
            Ok(true)
        }
        0xc6 | 0xc7 => simple(&[Ref], None, state),
        _ => fail(pc, "unknown opcode"),
    }
}
