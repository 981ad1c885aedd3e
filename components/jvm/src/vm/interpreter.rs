//! The bytecode loop. The verifier has proved, before a method first runs,
//! that operands are in bounds, instructions are whole and every value has its instruction's
//! kind; what depends on objects (null, array bounds, classes) is checked here.

use super::*;

impl Vm {
    pub(super) fn execute(&mut self, depth: usize) -> Outcome {
        'frames: loop {
            // The running frame holds its method's spare code handle (see `Method::spare`).
            let Some(frame) = self.frames.last() else { return Ok(None) };
            let (base, class, mut pc, running) = (frame.base, frame.class, frame.pc, frame.method);
            let spare = self.methods.get_mut(running as usize).and_then(|m| m.spare.take());
            let Some(code) = spare.or_else(|| self.code(running).cloned()) else {
                let message = format!("method {running} has no code");
                return Err(self.throw("java/lang/InternalError", &message));
            };
            let bytes: &[u8] = &code.bytes;
            // The operand stack's top lives in `sp` (a register) while this frame runs: the value
            // stack is padded to the frame's end, and cut back to `sp` before anything that reads
            // the stack's top (a call, invokedynamic) or leaves the frame.
            let top = base + code.max_locals as usize + code.max_stack as usize;
            let mut sp = self.stack.len();
            if sp < top {
                self.stack.resize(top, Value::Int(0));
            }
            macro_rules! save {
                () => {
                    if let Some(frame) = self.frames.last_mut() {
                        frame.pc = pc;
                    }
                };
            }
            macro_rules! tri {
                ($e:expr) => {
                    match $e {
                        Ok(v) => v,
                        Err(unwind) => {
                            save!();
                            return Err(unwind);
                        }
                    }
                };
            }
            macro_rules! throw {
                ($class:expr, $message:expr) => {{
                    save!();
                    return Err(self.throw($class, $message));
                }};
            }
            macro_rules! pop {
                () => {{
                    sp -= 1;
                    self.stack.as_mut_slice()[sp]
                }};
            }
            macro_rules! pop_wide {
                () => {{
                    sp -= 2;
                    self.stack.as_mut_slice()[sp]
                }};
            }
            macro_rules! push {
                ($v:expr) => {{
                    let value = $v;
                    self.stack.as_mut_slice()[sp] = value;
                    sp += 1;
                }};
            }
            macro_rules! push_wide {
                ($v:expr) => {{
                    let value = $v;
                    self.stack.as_mut_slice()[sp] = value;
                    self.stack.as_mut_slice()[sp + 1] = Value::Int(0);
                    sp += 2;
                }};
            }
            // Before reading the stack's top from outside the loop: the value stack ends at `sp`.
            macro_rules! sync {
                () => {
                    self.stack.truncate(sp);
                };
            }
            // After: `sp` is the value stack's end again, padded to the frame's end.
            macro_rules! resync {
                () => {{
                    sp = self.stack.len();
                    if sp < top {
                        self.stack.resize(top, Value::Int(0));
                    }
                }};
            }
            macro_rules! binary {
                ($get:ident, $wrap:ident, $op:expr) => {{
                    let b = pop!().$get();
                    let a = pop!().$get();
                    push!(Value::$wrap($op(a, b)));
                    pc += 1;
                }};
            }
            macro_rules! binary_wide {
                ($get:ident, $wrap:ident, $op:expr) => {{
                    let b = pop_wide!().$get();
                    let a = pop_wide!().$get();
                    push_wide!(Value::$wrap($op(a, b)));
                    pc += 1;
                }};
            }
            macro_rules! branch {
                ($cond:expr) => {{
                    if $cond {
                        let offset = verify::u2(bytes, pc + 1) as i16;
                        pc = (pc as isize + offset as isize) as usize;
                        if offset < 0 {
                            self.ticks -= 1;
                            if self.ticks == 0 {
                                save!();
                                self.slice_over();
                            }
                        }
                    } else {
                        pc += 3;
                    }
                }};
            }
            macro_rules! null_check {
                ($r:expr) => {{
                    let r = $r;
                    if r == 0 {
                        save!();
                        return Err(self.null_pointer());
                    }
                    r
                }};
            }
            // Local `$n` pushed or popped, for an instruction `$length` bytes long.
            macro_rules! load {
                ($n:expr, $length:expr) => {{
                    push!(self.stack.as_mut_slice()[base + $n]);
                    pc += $length;
                }};
            }
            macro_rules! load_wide {
                ($n:expr, $length:expr) => {{
                    push_wide!(self.stack.as_mut_slice()[base + $n]);
                    pc += $length;
                }};
            }
            macro_rules! store {
                ($n:expr, $length:expr) => {{
                    let value = pop!();
                    self.stack.as_mut_slice()[base + $n] = value;
                    pc += $length;
                }};
            }
            macro_rules! store_wide {
                ($n:expr, $length:expr) => {{
                    let value = pop_wide!();
                    let at = base + $n;
                    self.stack.as_mut_slice()[at] = value;
                    self.stack.as_mut_slice()[at + 1] = Value::Int(0);
                    pc += $length;
                }};
            }
            macro_rules! out_of_bounds {
                ($array:expr, $index:expr) => {{
                    save!();
                    let length = self.array_length($array) as usize;
                    return Err(self.out_of_bounds("java/lang/ArrayIndexOutOfBoundsException", $index, length));
                }};
            }
            // One arm per element kind: the verifier proved the operands' kinds, not the array's,
            // so an array of another kind is an error here, as a non-array is.
            macro_rules! array_load {
                ($variant:ident, $wrap:ident, $push:ident) => {{
                    let index = pop!().int();
                    let array = null_check!(pop!().reference());
                    let value = match self.heap.get(array).map(|o| &o.native) {
                        Some(Native::$variant(v)) => v.get(index as usize).map(|x| Value::$wrap((*x).into())),
                        _ => throw!(
                            "java/lang/IncompatibleClassChangeError",
                            "array load from an object that is not an array of its kind"
                        ),
                    };
                    let Some(value) = value else { out_of_bounds!(array, index) };
                    $push!(value);
                    pc += 1;
                }};
            }
            macro_rules! array_store {
                ($variant:ident, $get:ident, $pop:ident, $convert:expr) => {{
                    let value = $pop!().$get();
                    let index = pop!().int();
                    let array = null_check!(pop!().reference());
                    let stored = match self.heap.get_mut(array).map(|o| &mut o.native) {
                        Some(Native::$variant(v)) => v.get_mut(index as usize).map(|x| *x = ($convert)(value)),
                        _ => throw!(
                            "java/lang/IncompatibleClassChangeError",
                            "array store into an object that is not an array of its kind"
                        ),
                    };
                    if stored.is_none() {
                        out_of_bounds!(array, index)
                    }
                    pc += 1;
                }};
            }
            macro_rules! convert {
                ($pop:ident, $get:ident, $push:ident, $wrap:ident, $convert:expr) => {{
                    let value = $pop!().$get();
                    $push!(Value::$wrap(($convert)(value)));
                    pc += 1;
                }};
            }
            macro_rules! compare {
                ($op:tt) => {{
                    let b = pop!().int();
                    let a = pop!().int();
                    branch!(a $op b)
                }};
            }
            loop {
                let opcode = bytes[pc];
                match opcode {
                    0x00 => pc += 1,
                    0x01 => {
                        push!(Value::NULL);
                        pc += 1;
                    }
                    0x02..=0x08 => {
                        push!(Value::Int(opcode as i32 - 3));
                        pc += 1;
                    }
                    0x09 | 0x0a => {
                        push_wide!(Value::Long(opcode as i64 - 9));
                        pc += 1;
                    }
                    0x0b..=0x0d => {
                        push!(Value::Float((opcode - 0x0b) as f32));
                        pc += 1;
                    }
                    0x0e | 0x0f => {
                        push_wide!(Value::Double((opcode - 0x0e) as f64));
                        pc += 1;
                    }
                    0x10 => {
                        push!(Value::Int(bytes[pc + 1] as i8 as i32));
                        pc += 2;
                    }
                    0x11 => {
                        push!(Value::Int(verify::u2(bytes, pc + 1) as i16 as i32));
                        pc += 3;
                    }
                    0x12..=0x14 => {
                        let index = if opcode == 0x12 { bytes[pc + 1] as u16 } else { verify::u2(bytes, pc + 1) };
                        let value = tri!(self.constant(class, index));
                        if opcode == 0x14 {
                            push_wide!(value);
                        } else {
                            push!(value);
                        }
                        pc += if opcode == 0x12 { 2 } else { 3 };
                    }
                    // Loads: one slot, or two for long and double.
                    0x15 | 0x17 | 0x19 => load!(bytes[pc + 1] as usize, 2),
                    0x16 | 0x18 => load_wide!(bytes[pc + 1] as usize, 2),
                    // iload_n, fload_n, aload_n; lload_n, dload_n: one arm each, no decoding at run time.
                    0x1a | 0x22 | 0x2a => load!(0, 1),
                    0x1b | 0x23 | 0x2b => load!(1, 1),
                    0x1c | 0x24 | 0x2c => load!(2, 1),
                    0x1d | 0x25 | 0x2d => load!(3, 1),
                    0x1e | 0x26 => load_wide!(0, 1),
                    0x1f | 0x27 => load_wide!(1, 1),
                    0x20 | 0x28 => load_wide!(2, 1),
                    0x21 | 0x29 => load_wide!(3, 1),
                    0x2e => array_load!(Ints, Int, push),
                    0x2f => array_load!(Longs, Long, push_wide),
                    0x30 => array_load!(Floats, Float, push),
                    0x31 => array_load!(Doubles, Double, push_wide),
                    0x32 => array_load!(Refs, Ref, push),
                    0x33 => array_load!(Bytes, Int, push),
                    0x34 => array_load!(CharArray, Int, push),
                    0x35 => array_load!(Shorts, Int, push),
                    // Stores.
                    0x36 | 0x38 | 0x3a => store!(bytes[pc + 1] as usize, 2),
                    0x37 | 0x39 => store_wide!(bytes[pc + 1] as usize, 2),
                    0x3b | 0x43 | 0x4b => store!(0, 1),
                    0x3c | 0x44 | 0x4c => store!(1, 1),
                    0x3d | 0x45 | 0x4d => store!(2, 1),
                    0x3e | 0x46 | 0x4e => store!(3, 1),
                    0x3f | 0x47 => store_wide!(0, 1),
                    0x40 | 0x48 => store_wide!(1, 1),
                    0x41 | 0x49 => store_wide!(2, 1),
                    0x42 | 0x4a => store_wide!(3, 1),
                    0x4f => array_store!(Ints, int, pop, |x| x),
                    0x50 => array_store!(Longs, long, pop_wide, |x| x),
                    0x51 => array_store!(Floats, float, pop, |x| x),
                    0x52 => array_store!(Doubles, double, pop_wide, |x| x),
                    0x53 => {
                        // aastore: a value's class must fit the array's element class, checked
                        // after the null and bounds checks (as the JVMS orders them).
                        let value = self.stack.as_mut_slice()[sp - 1].reference();
                        let index = self.stack.as_mut_slice()[sp - 2].int();
                        let array = null_check!(self.stack.as_mut_slice()[sp - 3].reference());
                        if value != 0 && index >= 0 && index < self.array_length(array) {
                            let element_class = self.array_element(array);
                            let value_class = self.class_of(value);
                            if !element_class.is_some_and(|e| self.is_subclass(value_class, e)) {
                                let name = self.class_name(value_class).replace('/', ".");
                                throw!("java/lang/ArrayStoreException", &name);
                            }
                        }
                        array_store!(Refs, reference, pop, |x| x)
                    }
                    0x54 => array_store!(Bytes, int, pop, |x: i32| x as i8),
                    0x55 => array_store!(CharArray, int, pop, |x: i32| x as u16),
                    0x56 => array_store!(Shorts, int, pop, |x: i32| x as i16),
                    // Stack shuffles: on slots, as the JVMS defines them.
                    0x57 => {
                        sp -= 1;
                        pc += 1;
                    }
                    0x58 => {
                        sp -= 2;
                        pc += 1;
                    }
                    0x59..=0x5f => {
                        // The slots a shuffle reads, top first, and what it leaves, bottom first.
                        let n = sp;
                        let s = &mut self.stack;
                        let v = |i: usize| s[n - i];
                        let (taken, left): (usize, &[Value]) = match opcode {
                            0x59 => (1, &[v(1), v(1)]),
                            0x5a => (2, &[v(1), v(2), v(1)]),
                            0x5b => (3, &[v(1), v(3), v(2), v(1)]),
                            0x5c => (2, &[v(2), v(1), v(2), v(1)]),
                            0x5d => (3, &[v(2), v(1), v(3), v(2), v(1)]),
                            0x5e => (4, &[v(2), v(1), v(4), v(3), v(2), v(1)]),
                            _ => (2, &[v(1), v(2)]),
                        };
                        let at = n - taken;
                        s[at..at + left.len()].copy_from_slice(left);
                        sp = at + left.len();
                        pc += 1;
                    }
                    0x60 => binary!(int, Int, i32::wrapping_add),
                    0x61 => binary_wide!(long, Long, i64::wrapping_add),
                    0x62 => binary!(float, Float, |a: f32, b: f32| a + b),
                    0x63 => binary_wide!(double, Double, |a: f64, b: f64| a + b),
                    0x64 => binary!(int, Int, i32::wrapping_sub),
                    0x65 => binary_wide!(long, Long, i64::wrapping_sub),
                    0x66 => binary!(float, Float, |a: f32, b: f32| a - b),
                    0x67 => binary_wide!(double, Double, |a: f64, b: f64| a - b),
                    0x68 => binary!(int, Int, i32::wrapping_mul),
                    0x69 => binary_wide!(long, Long, i64::wrapping_mul),
                    0x6a => binary!(float, Float, |a: f32, b: f32| a * b),
                    0x6b => binary_wide!(double, Double, |a: f64, b: f64| a * b),
                    0x6c | 0x70 => {
                        let b = pop!().int();
                        let a = pop!().int();
                        if b == 0 {
                            throw!("java/lang/ArithmeticException", "/ by zero");
                        }
                        push!(Value::Int(if opcode == 0x6c { a.wrapping_div(b) } else { a.wrapping_rem(b) }));
                        pc += 1;
                    }
                    0x6d | 0x71 => {
                        let b = pop_wide!().long();
                        let a = pop_wide!().long();
                        if b == 0 {
                            throw!("java/lang/ArithmeticException", "/ by zero");
                        }
                        push_wide!(Value::Long(if opcode == 0x6d { a.wrapping_div(b) } else { a.wrapping_rem(b) }));
                        pc += 1;
                    }
                    0x6e => binary!(float, Float, |a: f32, b: f32| a / b),
                    0x6f => binary_wide!(double, Double, |a: f64, b: f64| a / b),
                    0x72 => binary!(float, Float, |a: f32, b: f32| a % b),
                    0x73 => binary_wide!(double, Double, |a: f64, b: f64| a % b),
                    0x74 => {
                        let a = pop!().int();
                        push!(Value::Int(a.wrapping_neg()));
                        pc += 1;
                    }
                    0x75 => {
                        let a = pop_wide!().long();
                        push_wide!(Value::Long(a.wrapping_neg()));
                        pc += 1;
                    }
                    0x76 => {
                        let a = pop!().float();
                        push!(Value::Float(-a));
                        pc += 1;
                    }
                    0x77 => {
                        let a = pop_wide!().double();
                        push_wide!(Value::Double(-a));
                        pc += 1;
                    }
                    0x78 | 0x7a | 0x7c => {
                        let count = (pop!().int() & 31) as u32;
                        let a = pop!().int();
                        push!(Value::Int(match opcode {
                            0x78 => a.wrapping_shl(count),
                            0x7a => a >> count,
                            _ => ((a as u32) >> count) as i32,
                        }));
                        pc += 1;
                    }
                    0x79 | 0x7b | 0x7d => {
                        let count = (pop!().int() & 63) as u32;
                        let a = pop_wide!().long();
                        push_wide!(Value::Long(match opcode {
                            0x79 => a.wrapping_shl(count),
                            0x7b => a >> count,
                            _ => ((a as u64) >> count) as i64,
                        }));
                        pc += 1;
                    }
                    0x7e => binary!(int, Int, |a: i32, b: i32| a & b),
                    0x7f => binary_wide!(long, Long, |a: i64, b: i64| a & b),
                    0x80 => binary!(int, Int, |a: i32, b: i32| a | b),
                    0x81 => binary_wide!(long, Long, |a: i64, b: i64| a | b),
                    0x82 => binary!(int, Int, |a: i32, b: i32| a ^ b),
                    0x83 => binary_wide!(long, Long, |a: i64, b: i64| a ^ b),
                    0x84 => {
                        let at = base + bytes[pc + 1] as usize;
                        let value = self.stack.as_mut_slice()[at].int().wrapping_add(bytes[pc + 2] as i8 as i32);
                        self.stack.as_mut_slice()[at] = Value::Int(value);
                        pc += 3;
                    }
                    0x85 => convert!(pop, int, push_wide, Long, |v: i32| v as i64),
                    0x86 => convert!(pop, int, push, Float, |v: i32| v as f32),
                    0x87 => convert!(pop, int, push_wide, Double, |v: i32| v as f64),
                    0x88 => convert!(pop_wide, long, push, Int, |v: i64| v as i32),
                    0x89 => convert!(pop_wide, long, push, Float, |v: i64| v as f32),
                    0x8a => convert!(pop_wide, long, push_wide, Double, |v: i64| v as f64),
                    0x8b => convert!(pop, float, push, Int, |v: f32| to_int(v as f64)),
                    0x8c => convert!(pop, float, push_wide, Long, |v: f32| to_long(v as f64)),
                    0x8d => convert!(pop, float, push_wide, Double, |v: f32| v as f64),
                    0x8e => convert!(pop_wide, double, push, Int, to_int),
                    0x8f => convert!(pop_wide, double, push_wide, Long, to_long),
                    0x90 => convert!(pop_wide, double, push, Float, |v: f64| v as f32),
                    0x91 => convert!(pop, int, push, Int, |v: i32| v as i8 as i32),
                    0x92 => convert!(pop, int, push, Int, |v: i32| v as u16 as i32),
                    0x93 => convert!(pop, int, push, Int, |v: i32| v as i16 as i32),
                    0x94 => {
                        let b = pop_wide!().long();
                        let a = pop_wide!().long();
                        push!(Value::Int(a.cmp(&b) as i32));
                        pc += 1;
                    }
                    0x95..=0x98 => {
                        let (a, b) = if opcode <= 0x96 {
                            let b = pop!().float() as f64;
                            (pop!().float() as f64, b)
                        } else {
                            let b = pop_wide!().double();
                            (pop_wide!().double(), b)
                        };
                        let result = match a.partial_cmp(&b) {
                            Some(order) => order as i32,
                            None if opcode % 2 == 1 => -1,
                            None => 1,
                        };
                        push!(Value::Int(result));
                        pc += 1;
                    }
                    0x99 => branch!(pop!().int() == 0),
                    0x9a => branch!(pop!().int() != 0),
                    0x9b => branch!(pop!().int() < 0),
                    0x9c => branch!(pop!().int() >= 0),
                    0x9d => branch!(pop!().int() > 0),
                    0x9e => branch!(pop!().int() <= 0),
                    0x9f => compare!(==),
                    0xa0 => compare!(!=),
                    0xa1 => compare!(<),
                    0xa2 => compare!(>=),
                    0xa3 => compare!(>),
                    0xa4 => compare!(<=),
                    0xa5 | 0xa6 => {
                        let b = pop!().reference();
                        let a = pop!().reference();
                        branch!((a == b) == (opcode == 0xa5))
                    }
                    0xa7 => branch!(true),
                    0xc8 => pc = (pc as i64 + verify::s4(bytes, pc + 1) as i64) as usize,
                    0xaa => {
                        let key = pop!().int();
                        let at = (pc + 4) & !3;
                        let (low, high) = (verify::s4(bytes, at + 4), verify::s4(bytes, at + 8));
                        let offset = if key < low || key > high {
                            verify::s4(bytes, at)
                        } else {
                            verify::s4(bytes, at + 12 + 4 * (key as i64 - low as i64) as usize)
                        };
                        pc = (pc as i64 + offset as i64) as usize;
                    }
                    0xab => {
                        let key = pop!().int();
                        let at = (pc + 4) & !3;
                        let pairs = verify::s4(bytes, at + 4) as usize;
                        let mut offset = verify::s4(bytes, at);
                        for i in 0..pairs {
                            if verify::s4(bytes, at + 8 + 8 * i) == key {
                                offset = verify::s4(bytes, at + 12 + 8 * i);
                                break;
                            }
                        }
                        pc = (pc as i64 + offset as i64) as usize;
                    }
                    0xac..=0xb1 => {
                        let value = match opcode {
                            0xad | 0xaf => Some(pop_wide!()),
                            0xb1 => None,
                            _ => Some(pop!()),
                        };
                        if let Some(frame) = self.frames.pop()
                            && frame.lock != 0
                            && let Err(unwind) = self.monitor_exit(frame.lock)
                        {
                            self.stack.truncate(base);
                            return Err(unwind);
                        }
                        self.stack.truncate(base);
                        if let Some(m) = self.methods.get_mut(running as usize) {
                            m.spare = Some(code);
                        }
                        if self.frames.len() <= depth {
                            return Ok(value);
                        }
                        match value {
                            Some(v @ (Value::Long(_) | Value::Double(_))) => self.stack.extend([v, Value::Int(0)]),
                            Some(v) => self.stack.push(v),
                            None => {}
                        }
                        let opcode = self
                            .frames
                            .last()
                            .and_then(|caller| self.code(caller.method)?.bytes.get(caller.pc).copied());
                        if let Some(caller) = self.frames.last_mut() {
                            caller.pc += if matches!(opcode, Some(0xb9 | 0xba)) { 5 } else { 3 };
                        }
                        continue 'frames;
                    }
                    0xb2 | 0xb3 => {
                        let cached = tri!(self.resolve_member(class, verify::u2(bytes, pc + 1), opcode));
                        let Cached::Static(owner, slot) = cached else {
                            throw!("java/lang/IncompatibleClassChangeError", "static access to an instance field")
                        };
                        if opcode == 0xb2 {
                            let value = self.classes[owner as usize].statics[slot as usize];
                            if matches!(value, Value::Long(_) | Value::Double(_)) {
                                push_wide!(value);
                            } else {
                                push!(value);
                            }
                        } else {
                            let wide = matches!(
                                self.classes[owner as usize].statics[slot as usize],
                                Value::Long(_) | Value::Double(_)
                            );
                            let value = if wide { pop_wide!() } else { pop!() };
                            self.classes[owner as usize].statics[slot as usize] = value;
                        }
                        pc += 3;
                    }
                    0xb4 | 0xb5 => {
                        let cached = tri!(self.resolve_member(class, verify::u2(bytes, pc + 1), opcode));
                        let Cached::Field(owner, slot) = cached else {
                            throw!("java/lang/IncompatibleClassChangeError", "instance access to a static field")
                        };
                        let slot = slot as usize;
                        let value = if opcode == 0xb5 {
                            let wide = self.classes[owner as usize]
                                .fields
                                .get(slot)
                                .is_some_and(|(_, d)| matches!(d.as_bytes()[0], b'J' | b'D'));
                            if wide { Some(pop_wide!()) } else { Some(pop!()) }
                        } else {
                            None
                        };
                        let object = null_check!(pop!().reference());
                        let object_class = self.class_of(object);
                        if object_class != owner && !self.is_subclass(object_class, owner) {
                            throw!(
                                "java/lang/IncompatibleClassChangeError",
                                "field access on an object of another class"
                            );
                        }
                        match value {
                            Some(value) => {
                                if let Some(field) = self.heap.get_mut(object).and_then(|o| o.fields.get_mut(slot)) {
                                    *field = value;
                                }
                            }
                            None => {
                                let value = self
                                    .heap
                                    .get(object)
                                    .and_then(|o| o.fields.get(slot))
                                    .copied()
                                    .unwrap_or(Value::NULL);
                                if matches!(value, Value::Long(_) | Value::Double(_)) {
                                    push_wide!(value);
                                } else {
                                    push!(value);
                                }
                            }
                        }
                        pc += 3;
                    }
                    0xb6..=0xb9 => {
                        self.ticks -= 1;
                        if self.ticks == 0 {
                            save!();
                            self.slice_over();
                        }
                        let index = verify::u2(bytes, pc + 1);
                        let cached = tri!(self.resolve_member(class, index, opcode));
                        save!();
                        sync!();
                        let (method, call_base) = match cached {
                            Cached::Method(method) => {
                                let slots = self.methods[method as usize].arg_slots as usize;
                                let call_base = self.stack.len() - slots;
                                if opcode == 0xb7 && self.stack.as_mut_slice()[call_base].reference() == 0 {
                                    return Err(self.null_pointer());
                                }
                                (method, call_base)
                            }
                            Cached::Virtual { selector, slots, seen, method } => {
                                let call_base = self.stack.len() - slots as usize;
                                let receiver = self.stack.as_mut_slice()[call_base].reference();
                                if receiver == 0 {
                                    return Err(self.null_pointer());
                                }
                                let receiver_class = self.class_of(receiver);
                                if receiver_class == seen {
                                    (method, call_base)
                                } else {
                                    let Some(found) = self.dispatch(receiver_class, selector) else {
                                        let (_, name, descriptor) = self.classes[class as usize]
                                            .file
                                            .as_ref()
                                            .and_then(|f| Pool(&f.pool).member(index).ok())
                                            .unwrap_or(("", "?", "?"));
                                        let message = format!(
                                            "Receiver class {} does not define or inherit an implementation of the resolved method '{} {}'",
                                            self.class_name(receiver_class).replace('/', "."),
                                            descriptor,
                                            name
                                        );
                                        return Err(self.throw("java/lang/AbstractMethodError", &message));
                                    };
                                    self.classes[class as usize].cache[index as usize] =
                                        Cached::Virtual { selector, slots, seen: receiver_class, method: found };
                                    (found, call_base)
                                }
                            }
                            _ => return Err(self.throw("java/lang/IncompatibleClassChangeError", "invoke of a field")),
                        };
                        match self.enter(method, call_base)? {
                            Entered::Frame => {
                                if let Some(m) = self.methods.get_mut(running as usize) {
                                    m.spare = Some(code);
                                }
                                continue 'frames;
                            }
                            Entered::Done(value) => {
                                resync!();
                                match value {
                                    Some(v @ (Value::Long(_) | Value::Double(_))) => push_wide!(v),
                                    Some(v) => push!(v),
                                    None => {}
                                }
                                pc += if opcode == 0xb9 { 5 } else { 3 };
                            }
                        }
                    }
                    0xba => {
                        save!();
                        sync!();
                        let site = crate::lambda::site(self, class, verify::u2(bytes, pc + 1))?;
                        let value = crate::lambda::invoke_site(self, &site)?;
                        resync!();
                        match value {
                            v @ (Value::Long(_) | Value::Double(_)) => push_wide!(v),
                            v => push!(v),
                        }
                        pc += 5;
                    }
                    0xbb => {
                        let target = tri!(self.resolve_class(class, verify::u2(bytes, pc + 1)));
                        save!();
                        if self.classes[target as usize].flags & (access::ABSTRACT | access::INTERFACE) != 0 {
                            let name = self.class_name(target).replace('/', ".");
                            return Err(self.throw("java/lang/InstantiationError", &name));
                        }
                        self.initialise(target)?;
                        let object = self.allocate(target, Native::None)?;
                        push!(Value::Ref(object));
                        pc += 3;
                    }
                    0xbc => {
                        let name = ["[Z", "[C", "[F", "[D", "[B", "[S", "[I", "[J"][(bytes[pc + 1] - 4) as usize];
                        let length = pop!().int();
                        save!();
                        let array_class = self.load(name).map_err(|e| self.link_error(e))?;
                        let array = self.new_array(array_class, length)?;
                        push!(Value::Ref(array));
                        pc += 2;
                    }
                    0xbd => {
                        let element = tri!(self.resolve_class(class, verify::u2(bytes, pc + 1)));
                        let length = pop!().int();
                        save!();
                        let name = array_of(self.class_name(element));
                        let array_class = self.load(&name).map_err(|e| self.link_error(e))?;
                        let array = self.new_array(array_class, length)?;
                        push!(Value::Ref(array));
                        pc += 3;
                    }
                    0xbe => {
                        let array = null_check!(pop!().reference());
                        let length = self.array_length(array);
                        push!(Value::Int(length));
                        pc += 1;
                    }
                    0xbf => {
                        let exception = null_check!(pop!().reference());
                        save!();
                        return Err(Unwind::Throw(exception));
                    }
                    0xc0 | 0xc1 => {
                        let target = tri!(self.resolve_class(class, verify::u2(bytes, pc + 1)));
                        let object = pop!().reference();
                        let fits = object != 0 && self.instance_of(object, target);
                        if opcode == 0xc1 {
                            push!(Value::Int(fits as i32));
                        } else {
                            if object != 0 && !fits {
                                let message =
                                    cast_message(self.class_name(self.class_of(object)), self.class_name(target));
                                throw!("java/lang/ClassCastException", &message);
                            }
                            push!(Value::Ref(object));
                        }
                        pc += 3;
                    }
                    0xc2 => {
                        let object = null_check!(pop!().reference());
                        save!();
                        self.monitor_enter(object);
                        pc += 1;
                    }
                    0xc3 => {
                        let object = null_check!(pop!().reference());
                        tri!(self.monitor_exit(object));
                        pc += 1;
                    }
                    0xc4 => {
                        let n = verify::u2(bytes, pc + 2) as usize;
                        match bytes[pc + 1] {
                            0x84 => {
                                let at = base + n;
                                let value = self.stack.as_mut_slice()[at]
                                    .int()
                                    .wrapping_add(verify::u2(bytes, pc + 4) as i16 as i32);
                                self.stack.as_mut_slice()[at] = Value::Int(value);
                                pc += 6;
                            }
                            0x15 | 0x17 | 0x19 => load!(n, 4),
                            0x16 | 0x18 => load_wide!(n, 4),
                            0x37 | 0x39 => store_wide!(n, 4),
                            _ => store!(n, 4),
                        }
                    }
                    0xc5 => {
                        let target = tri!(self.resolve_class(class, verify::u2(bytes, pc + 1)));
                        let dimensions = bytes[pc + 3] as usize;
                        let at = sp - dimensions;
                        let counts: Vec<i32> = self.stack.as_mut_slice()[at..sp].iter().map(|v| v.int()).collect();
                        sp = at;
                        save!();
                        let pins = self.pins.len();
                        let array = self.multi_array(target, &counts);
                        self.pins.truncate(pins);
                        push!(Value::Ref(array?));
                        pc += 4;
                    }
                    0xc6 | 0xc7 => {
                        let a = pop!().reference();
                        branch!((a == 0) == (opcode == 0xc6))
                    }
                    _ => throw!("java/lang/VerifyError", "unknown opcode"),
                }
            }
        }
    }

    pub fn array_length(&self, array: Ref) -> i32 {
        let length = match self.heap.get(array).map(|o| &o.native) {
            Some(Native::Ints(v)) => v.len(),
            Some(Native::Longs(v)) => v.len(),
            Some(Native::Floats(v)) => v.len(),
            Some(Native::Doubles(v)) => v.len(),
            Some(Native::Refs(v)) => v.len(),
            Some(Native::Bytes(v)) => v.len(),
            Some(Native::CharArray(v)) => v.len(),
            Some(Native::Shorts(v)) => v.len(),
            _ => 0,
        };
        length as i32
    }

    /// The element class of a reference array.
    pub(super) fn array_element(&mut self, array: Ref) -> Option<ClassId> {
        let class = self.class_of(array);
        let element = self.classes[class as usize].element.clone()?;
        self.by_name.get(array_element_class(&element)).copied()
    }

    pub(super) fn multi_array(&mut self, class: ClassId, counts: &[i32]) -> Result<Ref, Unwind> {
        if let Some(negative) = counts.iter().find(|c| **c < 0) {
            return Err(self.throw("java/lang/NegativeArraySizeException", &format!("{negative}")));
        }
        let array = self.new_array(class, counts[0])?;
        if counts.len() > 1 && counts[0] > 0 {
            self.pins.push(array);
            let element = self.classes[class as usize].element.clone().unwrap_or_default();
            let inner = self.load(&element).map_err(|e| self.link_error(e))?;
            for index in 0..counts[0] as usize {
                let child = self.multi_array(inner, &counts[1..])?;
                if let Some(Native::Refs(items)) = self.heap.get_mut(array).map(|o| &mut o.native) {
                    items[index] = child;
                }
            }
        }
        Ok(array)
    }
}

/// The array class whose elements are of class `name`.
pub fn array_of(name: &str) -> String {
    if name.starts_with('[') { format!("[{name}") } else { format!("[L{name};") }
}

/// Java 17's ClassCastException message.
fn cast_message(from: &str, to: &str) -> String {
    let (from, to) = (from.replace('/', "."), to.replace('/', "."));
    let place = |name: &str| {
        if name.starts_with("java.") {
            "module java.base of loader 'bootstrap'"
        } else {
            "unnamed module of loader 'app'"
        }
    };
    if place(&from) == place(&to) {
        format!("class {from} cannot be cast to class {to} ({from} and {to} are in {})", place(&from))
    } else {
        format!("class {from} cannot be cast to class {to} ({from} is in {}; {to} is in {})", place(&from), place(&to))
    }
}
