//! Class files built byte by byte, then broken: the reader and the verifier refuse each with the
//! Java error a program would see (ClassFormatError, UnsupportedClassVersionError, VerifyError)
//! and never panic. Well-formed classes with loops, two-slot locals, stack shuffles, switches and
//! handlers verify; so does every class javac makes of the Java corpus.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use stardust_jvm::LinkError;
use stardust_jvm::classfile::access::{ABSTRACT, NATIVE, PUBLIC, STATIC};
use stardust_jvm::classfile::parse;
use stardust_jvm::verify::verify_class;

// ---------------------------------------------------------------------------------------------
// Opcodes the tests use.

const NOP: u8 = 0x00;
const ACONST_NULL: u8 = 0x01;
const ICONST_M1: u8 = 0x02;
const ICONST_0: u8 = 0x03;
const ICONST_1: u8 = 0x04;
const ICONST_2: u8 = 0x05;
const LCONST_0: u8 = 0x09;
const LCONST_1: u8 = 0x0a;
const FCONST_0: u8 = 0x0b;
const FCONST_1: u8 = 0x0c;
const BIPUSH: u8 = 0x10;
const SIPUSH: u8 = 0x11;
const LDC: u8 = 0x12;
const LDC_W: u8 = 0x13;
const LDC2_W: u8 = 0x14;
const ILOAD: u8 = 0x15;
const LLOAD: u8 = 0x16;
const DLOAD: u8 = 0x18;
const ILOAD_0: u8 = 0x1a;
const ILOAD_1: u8 = 0x1b;
const ILOAD_2: u8 = 0x1c;
const LLOAD_0: u8 = 0x1e;
const DLOAD_2: u8 = 0x28;
const ALOAD_0: u8 = 0x2a;
const IALOAD: u8 = 0x2e;
const ISTORE: u8 = 0x36;
const LSTORE: u8 = 0x37;
const DSTORE: u8 = 0x39;
const ISTORE_1: u8 = 0x3c;
const ISTORE_2: u8 = 0x3d;
const LSTORE_0: u8 = 0x3f;
const ASTORE_1: u8 = 0x4c;
const POP: u8 = 0x57;
const POP2: u8 = 0x58;
const DUP: u8 = 0x59;
const DUP_X1: u8 = 0x5a;
const DUP_X2: u8 = 0x5b;
const DUP2: u8 = 0x5c;
const DUP2_X1: u8 = 0x5d;
const DUP2_X2: u8 = 0x5e;
const SWAP: u8 = 0x5f;
const IADD: u8 = 0x60;
const LADD: u8 = 0x61;
const DADD: u8 = 0x63;
const IDIV: u8 = 0x6c;
const IINC: u8 = 0x84;
const L2I: u8 = 0x88;
const L2D: u8 = 0x8a;
const IFEQ: u8 = 0x99;
const IF_ICMPGE: u8 = 0xa2;
const GOTO: u8 = 0xa7;
const JSR: u8 = 0xa8;
const RET: u8 = 0xa9;
const TABLESWITCH: u8 = 0xaa;
const IRETURN: u8 = 0xac;
const LRETURN: u8 = 0xad;
const DRETURN: u8 = 0xaf;
const ARETURN: u8 = 0xb0;
const RETURN: u8 = 0xb1;
const GETSTATIC: u8 = 0xb2;
const GETFIELD: u8 = 0xb4;
const PUTFIELD: u8 = 0xb5;
const INVOKEVIRTUAL: u8 = 0xb6;
const INVOKESPECIAL: u8 = 0xb7;
const INVOKESTATIC: u8 = 0xb8;
const INVOKEINTERFACE: u8 = 0xb9;
const INVOKEDYNAMIC: u8 = 0xba;
const ATHROW: u8 = 0xbf;
const WIDE: u8 = 0xc4;

fn be(value: u16) -> [u8; 2] {
    value.to_be_bytes()
}

/// A one-byte constant-pool index (ldc's operand).
fn small(index: u16) -> u8 {
    u8::try_from(index).expect("an ldc operand under 256")
}

// ---------------------------------------------------------------------------------------------
// A bytecode assembler with labels.

#[derive(Clone, Copy)]
struct Label(usize);

/// Bytecode being written; branch offsets are filled in by `finish` once labels are bound.
#[derive(Default)]
struct Asm {
    code: Vec<u8>,
    bound: Vec<Option<usize>>,
    /// (where the offset goes, the pc it is relative to, its label, 4 bytes rather than 2)
    patches: Vec<(usize, usize, Label, bool)>,
}

impl Asm {
    fn new() -> Asm {
        Asm::default()
    }
    fn label(&mut self) -> Label {
        self.bound.push(None);
        Label(self.bound.len() - 1)
    }
    fn bind(&mut self, label: Label) -> &mut Asm {
        self.bound[label.0] = Some(self.code.len());
        self
    }
    fn op(&mut self, bytes: &[u8]) -> &mut Asm {
        self.code.extend_from_slice(bytes);
        self
    }
    fn jump(&mut self, opcode: u8, to: Label) -> &mut Asm {
        let pc = self.code.len();
        self.code.push(opcode);
        self.patches.push((self.code.len(), pc, to, false));
        self.op(&[0, 0])
    }
    fn offset4(&mut self, pc: usize, to: Label) {
        self.patches.push((self.code.len(), pc, to, true));
        self.code.extend_from_slice(&[0; 4]);
    }
    fn align(&mut self) {
        while !self.code.len().is_multiple_of(4) {
            self.code.push(0);
        }
    }
    fn tableswitch(&mut self, default: Label, low: i32, cases: &[Label]) -> &mut Asm {
        let pc = self.code.len();
        self.code.push(TABLESWITCH);
        self.align();
        self.offset4(pc, default);
        self.code.extend_from_slice(&low.to_be_bytes());
        self.code.extend_from_slice(&(low + cases.len() as i32 - 1).to_be_bytes());
        for case in cases {
            self.offset4(pc, *case);
        }
        self
    }
    fn lookupswitch(&mut self, default: Label, pairs: &[(i32, Label)]) -> &mut Asm {
        let pc = self.code.len();
        self.code.push(0xab);
        self.align();
        self.offset4(pc, default);
        self.code.extend_from_slice(&(pairs.len() as i32).to_be_bytes());
        for (key, to) in pairs {
            self.code.extend_from_slice(&key.to_be_bytes());
            self.offset4(pc, *to);
        }
        self
    }
    fn finish(&self) -> Vec<u8> {
        let mut code = self.code.clone();
        for &(at, pc, label, four) in &self.patches {
            let offset = self.bound[label.0].expect("every label is bound") as i64 - pc as i64;
            if four {
                code[at..at + 4].copy_from_slice(&(offset as i32).to_be_bytes());
            } else {
                code[at..at + 2].copy_from_slice(&(offset as i16).to_be_bytes());
            }
        }
        code
    }
}

// ---------------------------------------------------------------------------------------------
// A class-file writer.

/// A constant pool being written: the entries' bytes and the index the next one gets.
#[derive(Clone)]
struct Pool {
    bytes: Vec<u8>,
    next: u16,
}

impl Pool {
    /// Appends one entry as raw bytes (tag first) that takes `slots` indices; returns its index.
    fn raw(&mut self, entry: &[u8], slots: u16) -> u16 {
        let index = self.next;
        self.bytes.extend_from_slice(entry);
        self.next += slots;
        index
    }
    fn utf8_bytes(&mut self, text: &[u8]) -> u16 {
        let mut entry = vec![1];
        entry.extend_from_slice(&be(text.len() as u16));
        entry.extend_from_slice(text);
        self.raw(&entry, 1)
    }
    fn utf8(&mut self, text: &str) -> u16 {
        self.utf8_bytes(text.as_bytes())
    }
    fn integer(&mut self, value: i32) -> u16 {
        let mut entry = vec![3];
        entry.extend_from_slice(&value.to_be_bytes());
        self.raw(&entry, 1)
    }
    fn float(&mut self, value: f32) -> u16 {
        let mut entry = vec![4];
        entry.extend_from_slice(&value.to_bits().to_be_bytes());
        self.raw(&entry, 1)
    }
    fn long(&mut self, value: i64) -> u16 {
        let mut entry = vec![5];
        entry.extend_from_slice(&value.to_be_bytes());
        self.raw(&entry, 2)
    }
    fn double(&mut self, value: f64) -> u16 {
        let mut entry = vec![6];
        entry.extend_from_slice(&value.to_bits().to_be_bytes());
        self.raw(&entry, 2)
    }
    /// An entry of `tag` holding one index.
    fn one(&mut self, tag: u8, index: u16) -> u16 {
        let [hi, lo] = be(index);
        self.raw(&[tag, hi, lo], 1)
    }
    /// An entry of `tag` holding two indices.
    fn two(&mut self, tag: u8, first: u16, second: u16) -> u16 {
        let ([a, b], [c, d]) = (be(first), be(second));
        self.raw(&[tag, a, b, c, d], 1)
    }
    fn class(&mut self, name: &str) -> u16 {
        let name = self.utf8(name);
        self.one(7, name)
    }
    fn string(&mut self, text: &str) -> u16 {
        let text = self.utf8(text);
        self.one(8, text)
    }
    fn name_and_type(&mut self, name: &str, descriptor: &str) -> u16 {
        let (name, descriptor) = (self.utf8(name), self.utf8(descriptor));
        self.two(12, name, descriptor)
    }
    fn member(&mut self, tag: u8, class: &str, name: &str, descriptor: &str) -> u16 {
        let class = self.class(class);
        let nat = self.name_and_type(name, descriptor);
        self.two(tag, class, nat)
    }
    fn field(&mut self, class: &str, name: &str, descriptor: &str) -> u16 {
        self.member(9, class, name, descriptor)
    }
    fn method(&mut self, class: &str, name: &str, descriptor: &str) -> u16 {
        self.member(10, class, name, descriptor)
    }
    fn interface_method(&mut self, class: &str, name: &str, descriptor: &str) -> u16 {
        self.member(11, class, name, descriptor)
    }
    fn method_handle(&mut self, kind: u8, reference: u16) -> u16 {
        let [hi, lo] = be(reference);
        self.raw(&[15, kind, hi, lo], 1)
    }
    fn invoke_dynamic(&mut self, bootstrap: u16, name: &str, descriptor: &str) -> u16 {
        let nat = self.name_and_type(name, descriptor);
        self.two(18, bootstrap, nat)
    }
}

/// A method's Code attribute.
struct Code {
    max_stack: u16,
    max_locals: u16,
    bytes: Vec<u8>,
    /// (start, end, handler, catch type)
    handlers: Vec<[u16; 4]>,
    lines: Vec<(u16, u16)>,
}

impl Code {
    fn new(max_stack: u16, max_locals: u16, bytes: Vec<u8>) -> Code {
        Code { max_stack, max_locals, bytes, handlers: Vec::new(), lines: Vec::new() }
    }
    fn handler(mut self, start: u16, end: u16, handler: u16, catch: u16) -> Code {
        self.handlers.push([start, end, handler, catch]);
        self
    }
    fn line(mut self, pc: u16, line: u16) -> Code {
        self.lines.push((pc, line));
        self
    }
}

/// A field or a method as written: access, name and descriptor indices, attributes.
struct Member {
    access: u16,
    name: u16,
    descriptor: u16,
    attributes: Vec<(u16, Vec<u8>)>,
}

/// A class file being written. Members add their names to the pool as they are added, so an
/// entry added to `pool` after the last member is the pool's last.
struct Class {
    major: u16,
    pool: Pool,
    access: u16,
    this: u16,
    super_class: u16,
    fields: Vec<Member>,
    methods: Vec<Member>,
    attributes: Vec<(u16, Vec<u8>)>,
}

fn write_attributes(out: &mut Vec<u8>, attributes: &[(u16, Vec<u8>)]) {
    out.extend_from_slice(&be(attributes.len() as u16));
    for (name, body) in attributes {
        out.extend_from_slice(&be(*name));
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(body);
    }
}

impl Class {
    /// An empty public class `name` extending java/lang/Object, version 61 (Java 17).
    fn new(name: &str) -> Class {
        let mut pool = Pool { bytes: Vec::new(), next: 1 };
        let this = pool.class(name);
        let super_class = pool.class("java/lang/Object");
        Class {
            major: 61,
            pool,
            access: PUBLIC,
            this,
            super_class,
            fields: Vec::new(),
            methods: Vec::new(),
            attributes: Vec::new(),
        }
    }

    fn field(&mut self, access: u16, name: &str, descriptor: &str, constant: Option<u16>) -> &mut Class {
        let (name, descriptor) = (self.pool.utf8(name), self.pool.utf8(descriptor));
        let mut attributes = Vec::new();
        if let Some(index) = constant {
            attributes.push((self.pool.utf8("ConstantValue"), be(index).to_vec()));
        }
        self.fields.push(Member { access, name, descriptor, attributes });
        self
    }

    fn method(&mut self, access: u16, name: &str, descriptor: &str, code: Option<Code>) -> &mut Class {
        let (name, descriptor) = (self.pool.utf8(name), self.pool.utf8(descriptor));
        let mut attributes = Vec::new();
        if let Some(code) = code {
            let mut body = Vec::new();
            body.extend_from_slice(&be(code.max_stack));
            body.extend_from_slice(&be(code.max_locals));
            body.extend_from_slice(&(code.bytes.len() as u32).to_be_bytes());
            body.extend_from_slice(&code.bytes);
            body.extend_from_slice(&be(code.handlers.len() as u16));
            for handler in &code.handlers {
                for word in handler {
                    body.extend_from_slice(&be(*word));
                }
            }
            let mut inner = Vec::new();
            if !code.lines.is_empty() {
                let mut table = be(code.lines.len() as u16).to_vec();
                for (pc, line) in &code.lines {
                    table.extend_from_slice(&be(*pc));
                    table.extend_from_slice(&be(*line));
                }
                inner.push((self.pool.utf8("LineNumberTable"), table));
            }
            write_attributes(&mut body, &inner);
            attributes.push((self.pool.utf8("Code"), body));
        }
        self.methods.push(Member { access, name, descriptor, attributes });
        self
    }

    fn attribute(&mut self, name: &str, body: Vec<u8>) -> &mut Class {
        let name = self.pool.utf8(name);
        self.attributes.push((name, body));
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0];
        out.extend_from_slice(&be(self.major));
        out.extend_from_slice(&be(self.pool.next));
        out.extend_from_slice(&self.pool.bytes);
        out.extend_from_slice(&be(self.access));
        out.extend_from_slice(&be(self.this));
        out.extend_from_slice(&be(self.super_class));
        out.extend_from_slice(&be(0)); // interfaces
        for members in [&self.fields, &self.methods] {
            out.extend_from_slice(&be(members.len() as u16));
            for member in members.iter() {
                out.extend_from_slice(&be(member.access));
                out.extend_from_slice(&be(member.name));
                out.extend_from_slice(&be(member.descriptor));
                write_attributes(&mut out, &member.attributes);
            }
        }
        write_attributes(&mut out, &self.attributes);
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Well-formed methods, alone and together in one sample class.

/// `static int sum(int n)`: `s = 0; for (i = 0; i < n; i++) s += i; return s;`
fn counting_loop() -> Code {
    let mut a = Asm::new();
    let (top, done) = (a.label(), a.label());
    a.op(&[ICONST_0, ISTORE_1, ICONST_0, ISTORE_2]).bind(top).op(&[ILOAD_2, ILOAD_0]).jump(IF_ICMPGE, done);
    a.op(&[ILOAD_1, ILOAD_2, IADD, ISTORE_1, IINC, 2, 1]).jump(GOTO, top);
    a.bind(done).op(&[ILOAD_1, IRETURN]);
    Code::new(2, 3, a.finish()).line(0, 1).line(4, 2)
}

/// `static double mix(long a, double b)`: longs and doubles in two-slot locals (a: 0-1, b: 2-3,
/// then a double in 4-5 and a long in 6-7, loaded back through their first slot).
fn wide_locals() -> Code {
    let bytes = vec![LLOAD_0, LCONST_1, LADD, LSTORE, 6, LLOAD, 6, L2D, DLOAD_2, DADD, DSTORE, 4, DLOAD, 4, DRETURN];
    Code::new(4, 8, bytes)
}

/// `static int shuffleLongs()`: dup2, dup_x2, dup2_x1 and dup2_x2 in the forms that move longs.
fn long_shuffles() -> Code {
    let bytes = vec![
        LCONST_1, DUP2, LADD, // J
        ICONST_1, DUP_X2, POP, // I J
        DUP2_X1, POP2, POP, // J
        LCONST_0, DUP2_X2, LADD, LADD, // J
        L2I, IRETURN,
    ];
    Code::new(6, 0, bytes)
}

/// `static int shuffleInts()`: swap, dup_x1, dup2 and pop2 in their one-slot forms.
fn int_shuffles() -> Code {
    let bytes = vec![ICONST_1, ICONST_2, SWAP, DUP_X1, DUP2, POP2, IADD, IADD, IRETURN];
    Code::new(5, 0, bytes)
}

/// `static int choose(int k)`: a tableswitch (k in 0..=2), then a lookupswitch (-5, 100).
fn switches() -> Code {
    let mut a = Asm::new();
    let (c0, c1, c2, lookup) = (a.label(), a.label(), a.label(), a.label());
    let (minus, hundred, other) = (a.label(), a.label(), a.label());
    a.op(&[ILOAD_0]).tableswitch(lookup, 0, &[c0, c1, c2]);
    a.bind(c0).op(&[ICONST_0, IRETURN]).bind(c1).op(&[ICONST_1, IRETURN]).bind(c2).op(&[ICONST_2, IRETURN]);
    a.bind(lookup).op(&[NOP, ILOAD_0]).lookupswitch(other, &[(-5, minus), (100, hundred)]);
    a.bind(minus).op(&[ICONST_M1, IRETURN]).bind(hundred).op(&[BIPUSH, 100, IRETURN]);
    a.bind(other).op(&[ICONST_0, IRETURN]);
    Code::new(1, 1, a.finish())
}

/// `static int divide(int d)`: `try { return 1 / d; } catch (ArithmeticException e) { return -1; }`,
/// with a catch-all row for the same range too.
fn try_catch(pool: &mut Pool) -> Code {
    let arithmetic = pool.class("java/lang/ArithmeticException");
    let bytes = vec![ICONST_1, ILOAD_0, IDIV, IRETURN, ASTORE_1, ICONST_M1, IRETURN];
    Code::new(2, 2, bytes).handler(0, 4, 4, arithmetic).handler(0, 4, 4, 0)
}

/// A class with a bit of everything the reader knows: fields with constant values, a
/// constructor, instance and static methods, natives, every constant kind, an invokedynamic with
/// its BootstrapMethods, line numbers and a SourceFile. It parses and verifies.
fn sample() -> Class {
    let mut class = Class::new("Sample");
    let p = &mut class.pool;
    let limit = p.integer(10);
    let name = p.string("sample");
    let ratio = p.double(0.5);
    let float = p.float(1.5);
    let big = p.long(1 << 40);
    let object_init = p.method("java/lang/Object", "<init>", "()V");
    let total = p.field("Sample", "total", "J");
    let limit_field = p.field("Sample", "LIMIT", "I");
    let size = p.interface_method("java/util/List", "size", "()I");
    let hash = p.method("java/lang/Object", "hashCode", "()I");
    let concat = p.method(
        "java/lang/invoke/StringConcatFactory",
        "makeConcatWithConstants",
        "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;\
         Ljava/lang/String;[Ljava/lang/Object;)Ljava/lang/invoke/CallSite;",
    );
    let handle = p.method_handle(6, concat);
    let recipe = p.string("\u{1}!");
    let indy = p.invoke_dynamic(0, "makeConcatWithConstants", "(Ljava/lang/String;)Ljava/lang/String;");
    let string_class = p.class("java/lang/String");
    let source = p.utf8("Sample.java");

    let ([oi0, oi1], [t0, t1], [l0, l1], [s0, s1], [h0, h1], [i0, i1]) =
        (be(object_init), be(total), be(limit_field), be(size), be(hash), be(indy));
    let [f0, f1] = be(float);
    let [b0, b1] = be(big);
    let init = vec![ALOAD_0, INVOKESPECIAL, oi0, oi1, ALOAD_0, LCONST_0, PUTFIELD, t0, t1, RETURN];
    let getter = vec![ALOAD_0, GETFIELD, t0, t1, LRETURN];
    let constants = [
        &[LDC, small(limit), GETSTATIC, l0, l1, IADD, POP][..],
        &[LDC_W, f0, f1, POP, LDC, small(name), POP],
        &[LDC, small(string_class), POP, LDC2_W, b0, b1, LRETURN],
    ]
    .concat();
    let sizes = vec![ALOAD_0, INVOKEINTERFACE, s0, s1, 1, 0, ALOAD_0, INVOKEVIRTUAL, h0, h1, IADD, IRETURN];
    let greet = vec![ALOAD_0, INVOKEDYNAMIC, i0, i1, 0, 0, ARETURN];
    let divide = try_catch(&mut class.pool);

    class
        .field(STATIC, "LIMIT", "I", Some(limit))
        .field(STATIC, "NAME", "Ljava/lang/String;", Some(name))
        .field(STATIC, "RATIO", "D", Some(ratio))
        .field(0, "total", "J", None)
        .method(PUBLIC, "<init>", "()V", Some(Code::new(3, 1, init)))
        .method(PUBLIC, "total", "()J", Some(Code::new(2, 1, getter)))
        .method(STATIC, "constants", "()J", Some(Code::new(2, 0, constants)))
        .method(STATIC, "sizes", "(Ljava/util/List;)I", Some(Code::new(2, 1, sizes)))
        .method(STATIC, "greet", "(Ljava/lang/String;)Ljava/lang/String;", Some(Code::new(1, 1, greet)))
        .method(STATIC, "sum", "(I)I", Some(counting_loop()))
        .method(STATIC, "mix", "(JD)D", Some(wide_locals()))
        .method(STATIC, "shuffleLongs", "()I", Some(long_shuffles()))
        .method(STATIC, "shuffleInts", "()I", Some(int_shuffles()))
        .method(STATIC, "choose", "(I)I", Some(switches()))
        .method(STATIC, "divide", "(I)I", Some(divide))
        .method(STATIC | NATIVE, "poke", "()V", None);
    let mut bootstrap = Vec::new();
    for word in [1, handle, 1, recipe] {
        bootstrap.extend_from_slice(&be(word));
    }
    class.attribute("BootstrapMethods", bootstrap).attribute("SourceFile", be(source).to_vec());
    class
}

/// Class `T` with one method `m` of `descriptor`, `access` and `code`.
fn single(access: u16, descriptor: &str, code: Code) -> Class {
    let mut class = Class::new("T");
    class.method(access, "m", descriptor, Some(code));
    class
}

// ---------------------------------------------------------------------------------------------
// Checks.

/// Parses and verifies, turning a panic into a test failure that names the input. The reader
/// refuses only with ClassFormatError or UnsupportedClassVersionError, the verifier only with
/// VerifyError.
fn load(bytes: &[u8]) -> Result<(), LinkError> {
    let checked = || {
        let class = match parse(bytes) {
            Ok(class) => class,
            Err(error @ (LinkError::Format(_) | LinkError::Unsupported(_))) => return Err(error),
            Err(other) => panic!("the reader gave {other:?}"),
        };
        match verify_class(&class) {
            Ok(()) => Ok(()),
            Err(error @ LinkError::Verify(_)) => Err(error),
            Err(other) => panic!("the verifier gave {other:?}"),
        }
    };
    match catch_unwind(AssertUnwindSafe(checked)) {
        Ok(result) => result,
        Err(_) => panic!("parse + verify panicked on {} bytes: {bytes:02x?}", bytes.len()),
    }
}

/// The message of the ClassFormatError `bytes` must be.
fn format_error(bytes: &[u8]) -> String {
    match parse(bytes) {
        Err(error @ LinkError::Format(_)) => {
            assert_eq!(error.java_class(), "java/lang/ClassFormatError");
            error.message().to_string()
        }
        other => panic!("expected a ClassFormatError, got {other:?}"),
    }
}

fn assert_format_error(bytes: &[u8], expected: &str) {
    let message = format_error(bytes);
    assert!(message.contains(expected), "{message:?} does not say {expected:?}");
}

/// The message of the VerifyError of `class` (which parses).
fn verify_error(class: &Class) -> String {
    let file = parse(&class.bytes()).expect("the class parses");
    match verify_class(&file) {
        Err(error @ LinkError::Verify(_)) => {
            assert_eq!(error.java_class(), "java/lang/VerifyError");
            error.message().to_string()
        }
        other => panic!("expected a VerifyError, got {other:?}"),
    }
}

fn assert_verify_error(class: &Class, expected: &str) {
    let message = verify_error(class);
    assert!(message.contains(expected), "{message:?} does not say {expected:?}");
}

fn assert_verifies(class: &Class) {
    let file = parse(&class.bytes()).expect("the class parses");
    if let Err(error) = verify_class(&file) {
        panic!("expected the class to verify: {error:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The reader.

/// The sample itself is well-formed: it parses, keeps what it holds, and verifies.
#[test]
fn the_sample_class_parses_and_verifies() {
    let bytes = sample().bytes();
    let file = parse(&bytes).expect("parses");
    assert_eq!(&*file.name, "Sample");
    assert_eq!(file.super_name.as_deref(), Some("java/lang/Object"));
    assert_eq!(file.fields.len(), 4);
    assert_eq!(file.methods.len(), 12);
    assert_eq!(file.bootstrap.len(), 1);
    assert_eq!(file.source.as_deref(), Some("Sample.java"));
    let sum = file.methods.iter().find(|m| &*m.name == "sum").unwrap();
    assert_eq!(&*sum.code.as_ref().unwrap().lines, &[(0, 1), (4, 2)]);
    verify_class(&file).expect("verifies");
}

/// No bytes at all are a truncated class file.
#[test]
fn an_empty_file_is_a_format_error() {
    assert_format_error(&[], "truncated");
}

/// Every proper prefix of a valid class is refused as truncated, and none panics.
#[test]
fn a_truncated_class_is_a_format_error_at_every_length() {
    let bytes = sample().bytes();
    for length in 0..bytes.len() {
        let prefix = &bytes[..length];
        let result = catch_unwind(|| parse(prefix)).unwrap_or_else(|_| panic!("panic at length {length}"));
        match result {
            Err(LinkError::Format(message)) => assert!(message.contains("truncated"), "length {length}: {message}"),
            other => panic!("length {length}: expected a ClassFormatError, got {other:?}"),
        }
    }
}

/// A file that does not start with 0xCAFEBABE is not a class file.
#[test]
fn a_bad_magic_number_is_a_format_error() {
    let mut bytes = sample().bytes();
    bytes[3] = 0xBF;
    assert_format_error(&bytes, "bad magic");
    assert_format_error(b"PK\x03\x04 a jar, not a class", "bad magic");
}

/// Versions past 61 (Java 17) and before 45 are UnsupportedClassVersionError; 45 to 61 read.
#[test]
fn versions_outside_45_to_61_are_unsupported() {
    for major in [62, 65, 0xFFFF, 44, 0] {
        let mut class = sample();
        class.major = major;
        match parse(&class.bytes()) {
            Err(error @ LinkError::Unsupported(_)) => {
                assert_eq!(error.java_class(), "java/lang/UnsupportedClassVersionError");
                assert!(error.message().contains(&major.to_string()), "{error:?}");
            }
            other => panic!("version {major}: {other:?}"),
        }
    }
    for major in [45, 52, 61] {
        let mut class = sample();
        class.major = major;
        assert!(parse(&class.bytes()).is_ok(), "version {major}");
    }
}

/// A constant pool of count 0 (there is always the unusable entry 0) is malformed.
#[test]
fn a_constant_pool_count_of_zero_is_a_format_error() {
    let mut bytes = sample().bytes();
    bytes[8..10].copy_from_slice(&[0, 0]);
    assert_format_error(&bytes, "empty constant pool");
}

/// Index 0 names no constant: not from a Class entry, not as this_class.
#[test]
fn a_constant_pool_index_of_zero_is_a_format_error() {
    let mut class = sample();
    class.pool.one(7, 0);
    assert_format_error(&class.bytes(), "bad constant-pool index");

    let mut class = sample();
    class.this = 0;
    assert_format_error(&class.bytes(), "bad constant-pool index");
}

/// An index at or past the pool's count names no constant.
#[test]
fn a_constant_pool_index_past_the_end_is_a_format_error() {
    let mut class = sample();
    let past = class.pool.next + 1;
    class.pool.one(8, past);
    assert_format_error(&class.bytes(), "bad constant-pool index");

    let mut class = sample();
    let nat = class.pool.name_and_type("x", "I");
    let past = class.pool.next + 5;
    class.pool.two(9, past, nat);
    assert_format_error(&class.bytes(), "bad constant-pool index");

    let mut class = sample();
    class.super_class = 0xFFFF;
    assert_format_error(&class.bytes(), "bad constant-pool index");
}

/// References must name entries of the right kind.
#[test]
fn a_constant_of_the_wrong_kind_is_a_format_error() {
    // A Class whose name is an Integer.
    let mut class = sample();
    let integer = class.pool.integer(7);
    class.pool.one(7, integer);
    assert_format_error(&class.bytes(), "not UTF-8");

    // A String whose text is a Class.
    let mut class = sample();
    let other = class.pool.class("Other");
    class.pool.one(8, other);
    assert_format_error(&class.bytes(), "not UTF-8");

    // this_class naming a Utf8 rather than a Class.
    let mut class = sample();
    class.this = class.pool.utf8("Sample");
    assert_format_error(&class.bytes(), "not a class");

    // A Methodref whose class is a Utf8, and one whose NameAndType is a Class.
    let mut class = sample();
    let name = class.pool.utf8("Other");
    let nat = class.pool.name_and_type("m", "()V");
    class.pool.two(10, name, nat);
    assert_format_error(&class.bytes(), "not a class");

    let mut class = sample();
    let other = class.pool.class("Other");
    class.pool.two(10, other, other);
    assert_format_error(&class.bytes(), "not a name and type");

    // A method handle of kind 5 (invokevirtual) naming a field, and of kind 0.
    let mut class = sample();
    let field = class.pool.field("Other", "x", "I");
    class.pool.method_handle(5, field);
    assert_format_error(&class.bytes(), "method handle names the wrong kind");

    let mut class = sample();
    let method = class.pool.method("Other", "m", "()V");
    class.pool.method_handle(0, method);
    assert_format_error(&class.bytes(), "bad method-handle kind");
}

/// A Methodref's NameAndType must hold a method descriptor, a Fieldref's a field descriptor.
#[test]
fn a_member_reference_with_a_bad_descriptor_is_a_format_error() {
    let cases = [(10, "(I"), (10, "I"), (10, "(Q)V"), (10, "()VV"), (9, "()V"), (9, "V"), (9, "L;"), (11, "")];
    for (tag, descriptor) in cases {
        let mut class = sample();
        class.pool.member(tag, "Other", "x", descriptor);
        let message = format_error(&class.bytes());
        assert!(message.contains("member reference with a bad descriptor"), "{descriptor:?}: {message}");
    }
}

/// A field or method whose own descriptor is malformed is refused, naming it.
#[test]
fn a_member_with_a_bad_descriptor_is_a_format_error() {
    let mut class = Class::new("T");
    class.method(STATIC, "m", "(I", Some(Code::new(0, 1, vec![RETURN])));
    assert_format_error(&class.bytes(), "bad descriptor (I of m");

    let mut class = Class::new("T");
    class.field(STATIC, "f", "()V", None);
    assert_format_error(&class.bytes(), "bad descriptor ()V of f");
}

/// A long or double takes two indices, so it cannot be the pool's last entry.
#[test]
fn a_long_or_double_as_the_last_constant_is_a_format_error() {
    for tag in [5u8, 6] {
        let mut class = sample();
        let mut entry = vec![tag];
        entry.extend_from_slice(&0x4000_0000_0000_0000u64.to_be_bytes());
        class.pool.raw(&entry, 1); // the count says one slot: the pool ends in its middle
        assert_format_error(&class.bytes(), "a long or double is the last constant-pool entry");
    }
}

/// The index after a long or double is unusable.
#[test]
fn the_index_after_a_long_is_unusable() {
    let mut class = sample();
    let long = class.pool.long(1);
    class.pool.one(8, long + 1);
    assert_format_error(&class.bytes(), "bad constant-pool index");
}

/// Tags 2, 13, 14 and past 20 are not constant kinds.
#[test]
fn an_unknown_constant_tag_is_a_format_error() {
    for tag in [0u8, 2, 13, 14, 21, 0xFF] {
        let mut class = sample();
        class.pool.raw(&[tag, 0, 1, 0, 1], 1);
        assert_format_error(&class.bytes(), &format!("unknown constant-pool tag {tag}"));
    }
}

/// Modified UTF-8 has no NUL byte, no four-byte forms, no lone continuation bytes and no
/// sequences cut short; each is refused, while the two-byte NUL and three-byte forms read.
#[test]
fn bad_modified_utf8_is_a_format_error() {
    let bad: [&[u8]; 7] = [b"a\0b", b"\xC3", b"\xE2\x82", b"\xE2\x41\x80", b"\xF0\x9F\x98\x80", b"\x80", b"ok\xC3("];
    for text in bad {
        let mut class = sample();
        class.pool.utf8_bytes(text);
        assert_format_error(&class.bytes(), "malformed UTF-8");
    }
    let mut class = sample();
    class.pool.utf8_bytes(b"nul \xC0\x80 euro \xE2\x82\xAC surrogate pair \xED\xA0\xBD\xED\xB8\x80");
    assert!(parse(&class.bytes()).is_ok());
}

/// Bytes after the class's last attribute are refused.
#[test]
fn extra_trailing_bytes_are_a_format_error() {
    for extra in [&[0u8][..], &[0xCA, 0xFE, 0xBA, 0xBE]] {
        let mut bytes = sample().bytes();
        bytes.extend_from_slice(extra);
        assert_format_error(&bytes, "extra bytes after the class file's end");
    }
}

/// A Code attribute with no code, or one whose declared length is shorter than its content,
/// is refused.
#[test]
fn a_malformed_code_attribute_is_a_format_error() {
    let class = single(STATIC, "()V", Code::new(0, 0, Vec::new()));
    assert_format_error(&class.bytes(), "code length out of range");

    // The attribute's length says 12 bytes, but the code inside claims 64.
    let mut class = Class::new("T");
    let (name, descriptor, code) = (class.pool.utf8("m"), class.pool.utf8("()V"), class.pool.utf8("Code"));
    let mut body = vec![0, 0, 0, 0, 0, 0, 0, 64];
    body.extend_from_slice(&[RETURN, 0, 0, 0]);
    class.methods.push(Member { access: STATIC, name, descriptor, attributes: vec![(code, body)] });
    assert_format_error(&class.bytes(), "truncated");
}

/// Two Code attributes on one method are refused.
#[test]
fn two_code_attributes_are_a_format_error() {
    let mut class = single(STATIC, "()V", Code::new(0, 0, vec![RETURN]));
    let again = class.methods[0].attributes[0].clone();
    class.methods[0].attributes.push(again);
    assert_format_error(&class.bytes(), "two Code attributes");
}

/// A field's ConstantValue must be a constant of its own type (not a Class); an exception table's catch type
/// must be a Class.
#[test]
fn constant_values_and_catch_types_must_have_the_right_kind() {
    let mut class = Class::new("T");
    let other = class.pool.class("Other");
    class.field(STATIC, "f", "I", Some(other));
    assert_format_error(&class.bytes(), "the ConstantValue of field f does not fit its type I");

    let mut class = Class::new("T");
    let integer = class.pool.integer(3);
    class.method(STATIC, "m", "()V", Some(Code::new(1, 0, vec![RETURN, ATHROW]).handler(0, 1, 1, integer)));
    assert_format_error(&class.bytes(), "not a class");
}

/// An InvokeDynamic must name a BootstrapMethods row that exists.
#[test]
fn an_invokedynamic_without_its_bootstrap_method_is_a_format_error() {
    let mut class = Class::new("T");
    class.pool.invoke_dynamic(0, "run", "()V");
    assert_format_error(&class.bytes(), "missing bootstrap method");
}

/// A static field's ConstantValue must match the field's type (JVMS §4.7.2: an int field takes
/// an Integer, not a String).
#[test]
fn a_constant_value_of_another_type_than_its_field_is_a_format_error() {
    let mut class = Class::new("T");
    let text = class.pool.string("ten");
    class.field(STATIC, "f", "I", Some(text));
    format_error(&class.bytes());
}

// ---------------------------------------------------------------------------------------------
// The verifier: refusals.

/// iadd with nothing on the stack underflows.
#[test]
fn iadd_on_an_empty_stack_is_an_underflow() {
    let class = single(STATIC, "()V", Code::new(2, 0, vec![ICONST_1, IADD, POP, RETURN]));
    assert_verify_error(&class, "T.m()V: operand stack underflow at bytecode 1");
}

/// Pushing past max_stack overflows, counting a long as two slots.
#[test]
fn pushing_past_max_stack_is_an_overflow() {
    let class = single(STATIC, "()V", Code::new(1, 0, vec![ICONST_1, ICONST_1, POP2, RETURN]));
    assert_verify_error(&class, "operand stack overflow (above max_stack) at bytecode 1");
    let class = single(STATIC, "()V", Code::new(1, 0, vec![LCONST_0, POP2, RETURN]));
    assert_verify_error(&class, "operand stack overflow (above max_stack) at bytecode 0");
    let class = single(STATIC, "()V", Code::new(2, 0, vec![ICONST_1, DUP, DUP, POP2, POP, RETURN]));
    assert_verify_error(&class, "operand stack overflow (above max_stack) at bytecode 2");
}

/// iadd on two floats has the wrong types.
#[test]
fn iadd_on_floats_is_refused() {
    let class = single(STATIC, "()I", Code::new(2, 0, vec![FCONST_0, FCONST_1, IADD, IRETURN]));
    assert_verify_error(&class, "wrong type on the operand stack at bytecode 2");
}

/// aload of a local that holds an int is refused.
#[test]
fn aload_of_an_int_local_is_refused() {
    let class = single(STATIC, "(I)Ljava/lang/Object;", Code::new(1, 1, vec![ALOAD_0, ARETURN]));
    assert_verify_error(&class, "local variable has the wrong type or is out of range at bytecode 0");
}

/// A return must match the method's return type: no ireturn from void, no plain return from int,
/// no lreturn from int.
#[test]
fn a_return_of_the_wrong_type_is_refused() {
    let class = single(STATIC, "()V", Code::new(1, 0, vec![ICONST_0, IRETURN]));
    assert_verify_error(&class, "return instruction does not match the method's return type at bytecode 1");
    let class = single(STATIC, "()I", Code::new(0, 0, vec![RETURN]));
    assert_verify_error(&class, "void return from a method that returns a value at bytecode 0");
    let class = single(STATIC, "()I", Code::new(2, 0, vec![LCONST_0, LRETURN]));
    assert_verify_error(&class, "return instruction does not match");
    let class = single(STATIC, "()J", Code::new(1, 0, vec![ICONST_0, IRETURN]));
    assert_verify_error(&class, "return instruction does not match");
}

/// Locals live under max_locals: stores and loads past it (a long's second slot included, and
/// through wide) are refused.
#[test]
fn a_local_index_at_or_past_max_locals_is_refused() {
    let class = single(STATIC, "()V", Code::new(1, 2, vec![ICONST_0, ISTORE, 2, RETURN]));
    assert_verify_error(&class, "local variable index out of range at bytecode 1");
    let class = single(STATIC, "()V", Code::new(2, 2, vec![LCONST_0, LSTORE, 1, RETURN]));
    assert_verify_error(&class, "local variable index out of range at bytecode 1");
    let class = single(STATIC, "()I", Code::new(1, 2, vec![ILOAD, 2, IRETURN]));
    assert_verify_error(&class, "local variable has the wrong type or is out of range at bytecode 0");
    let class = single(STATIC, "()V", Code::new(1, 2, vec![ICONST_0, WIDE, ISTORE, 1, 44, RETURN]));
    assert_verify_error(&class, "local variable index out of range at bytecode 1");
    let class = single(STATIC, "()V", Code::new(0, 2, vec![IINC, 9, 1, RETURN]));
    assert_verify_error(&class, "iinc of a local that is not an int at bytecode 0");
}

/// The parameters (and `this`) must fit in max_locals.
#[test]
fn the_parameters_must_fit_in_max_locals() {
    let class = single(STATIC, "(IJ)V", Code::new(0, 2, vec![RETURN]));
    assert_verify_error(&class, "the parameters do not fit in max_locals");
    let class = single(0, "(I)V", Code::new(0, 1, vec![RETURN]));
    assert_verify_error(&class, "the parameters do not fit in max_locals");
}

/// Branches must land inside the code, forwards and backwards.
#[test]
fn a_jump_out_of_the_code_is_refused() {
    let class = single(STATIC, "()V", Code::new(0, 0, vec![GOTO, 0, 100, RETURN]));
    assert_verify_error(&class, "branch target is not on an instruction at bytecode 0");
    let class = single(STATIC, "()V", Code::new(0, 0, vec![NOP, GOTO, 0xFF, 0xFE, RETURN]));
    assert_verify_error(&class, "branch target is not on an instruction at bytecode 1");
    let class = single(STATIC, "()V", Code::new(0, 0, vec![GOTO, 0, 3]));
    assert_verify_error(&class, "branch target is not on an instruction at bytecode 0");
}

/// Branches must land on an instruction's first byte.
#[test]
fn a_jump_into_the_middle_of_an_instruction_is_refused() {
    // 0: goto 4 (the second byte of sipush at 3)
    let class = single(STATIC, "()V", Code::new(1, 0, vec![GOTO, 0, 4, SIPUSH, 0, 0, POP, RETURN]));
    assert_verify_error(&class, "branch target is not on an instruction at bytecode 0");
    // A tableswitch whose one case lands in its own operands.
    // 0: iconst_0  1: tableswitch (padding 2-3, default 4, low 8, high 12, case 16)  20: return
    let mut a = Asm::new();
    let out = a.label();
    a.op(&[ICONST_0]).tableswitch(out, 0, &[out]).bind(out).op(&[RETURN]);
    let mut bytes = a.finish();
    bytes[16..20].copy_from_slice(&2i32.to_be_bytes()); // the case: pc 1 + 2, in the padding
    let class = single(STATIC, "()V", Code::new(1, 0, bytes));
    assert_verify_error(&class, "branch target is not on an instruction at bytecode 1");
}

/// Execution must not run past the last instruction.
#[test]
fn falling_off_the_end_of_the_code_is_refused() {
    let class = single(STATIC, "()V", Code::new(1, 0, vec![ICONST_0, POP]));
    assert_verify_error(&class, "execution falls off the end of the code at bytecode 1");
    let class = single(STATIC, "()V", Code::new(0, 0, vec![NOP]));
    assert_verify_error(&class, "execution falls off the end of the code at bytecode 0");
}

/// A tableswitch whose low is above its high, or a lookupswitch with a negative count, is not
/// an instruction.
#[test]
fn a_tableswitch_with_low_above_high_is_refused() {
    let mut bytes = vec![ICONST_0, TABLESWITCH, 0, 0];
    for word in [12i32, 5, 4] {
        bytes.extend_from_slice(&word.to_be_bytes());
    }
    bytes.push(RETURN);
    let class = single(STATIC, "()V", Code::new(1, 0, bytes));
    assert_verify_error(&class, "unknown opcode or instruction cut off by the end of the code at bytecode 1");

    let mut bytes = vec![ICONST_0, 0xab, 0, 0];
    for word in [8i32, -1] {
        bytes.extend_from_slice(&word.to_be_bytes());
    }
    bytes.push(RETURN);
    let class = single(STATIC, "()V", Code::new(1, 0, bytes));
    assert_verify_error(&class, "at bytecode 1");
}

/// Instructions cut off by the end of the code are refused.
#[test]
fn an_instruction_cut_off_by_the_end_is_refused() {
    for bytes in [vec![SIPUSH, 0], vec![NOP, GOTO, 0], vec![WIDE], vec![WIDE, IINC, 0, 0, 0], vec![NOP, TABLESWITCH]] {
        let class = single(STATIC, "()V", Code::new(1, 1, bytes.clone()));
        assert_verify_error(&class, "unknown opcode or instruction cut off");
    }
}

/// Opcodes the JVM does not define (0xcb up, breakpoint, impdep) are refused, and so is wide
/// before an opcode it cannot widen.
#[test]
fn an_unknown_opcode_is_refused() {
    for opcode in [0xcb, 0xca, 0xd0, 0xfe, 0xff] {
        let class = single(STATIC, "()V", Code::new(0, 0, vec![NOP, opcode, RETURN]));
        assert_verify_error(&class, "unknown opcode or instruction cut off by the end of the code at bytecode 1");
    }
    let class = single(STATIC, "()V", Code::new(1, 1, vec![WIDE, IADD, 0, 0, RETURN]));
    assert_verify_error(&class, "unknown opcode");
}

/// jsr, jsr_w and ret (subroutines, gone since Java 6) are refused by name.
#[test]
fn jsr_and_ret_are_refused() {
    let class = single(STATIC, "()V", Code::new(1, 1, vec![JSR, 0, 4, RETURN, ASTORE_1, RET, 1]));
    assert_verify_error(&class, "jsr/ret (class files before Java 6) are not supported at bytecode 0");
    let class = single(STATIC, "()V", Code::new(1, 1, vec![NOP, RET, 0, RETURN]));
    assert_verify_error(&class, "jsr/ret");
    let class = single(STATIC, "()V", Code::new(1, 1, vec![0xc9, 0, 0, 0, 5, RETURN]));
    assert_verify_error(&class, "jsr/ret");
}

/// An invoke must name a method of the right kind: not a Fieldref, not an InterfaceMethodref
/// for invokevirtual, not a Methodref for invokeinterface, not `<clinit>`.
#[test]
fn an_invoke_of_a_constant_that_is_not_a_method_is_refused() {
    let mut class = Class::new("T");
    let [hi, lo] = be(class.pool.field("T", "f", "I"));
    class.method(STATIC, "m", "()V", Some(Code::new(1, 0, vec![ACONST_NULL, INVOKEVIRTUAL, hi, lo, RETURN])));
    assert_verify_error(&class, "invoke of a constant that is not a method of the right kind at bytecode 1");

    let mut class = Class::new("T");
    let [hi, lo] = be(class.pool.interface_method("I", "f", "()V"));
    class.method(STATIC, "m", "()V", Some(Code::new(1, 0, vec![ACONST_NULL, INVOKEVIRTUAL, hi, lo, RETURN])));
    assert_verify_error(&class, "invoke of a constant that is not a method of the right kind");

    let mut class = Class::new("T");
    let [hi, lo] = be(class.pool.method("T", "f", "()V"));
    let code = vec![ACONST_NULL, INVOKEINTERFACE, hi, lo, 1, 0, RETURN];
    class.method(STATIC, "m", "()V", Some(Code::new(1, 0, code)));
    assert_verify_error(&class, "invoke of a constant that is not a method of the right kind");

    let mut class = Class::new("T");
    let [hi, lo] = be(class.pool.integer(4));
    class.method(STATIC, "m", "()V", Some(Code::new(1, 0, vec![INVOKESTATIC, hi, lo, RETURN])));
    assert_verify_error(&class, "invoke of a constant that is not a method of the right kind");

    let mut class = Class::new("T");
    let [hi, lo] = be(class.pool.method("T", "<clinit>", "()V"));
    class.method(STATIC, "m", "()V", Some(Code::new(1, 0, vec![INVOKESTATIC, hi, lo, RETURN])));
    assert_verify_error(&class, "invoke of an initialisation method");
}

/// An invoke pops its arguments by type: a float where the method takes an int is refused.
#[test]
fn an_invoke_with_arguments_of_the_wrong_type_is_refused() {
    let mut class = Class::new("T");
    let [hi, lo] = be(class.pool.method("T", "f", "(I)V"));
    class.method(STATIC, "m", "()V", Some(Code::new(1, 0, vec![FCONST_0, INVOKESTATIC, hi, lo, RETURN])));
    assert_verify_error(&class, "wrong type on the operand stack at bytecode 1");
}

/// A field instruction must name a Fieldref.
#[test]
fn getstatic_of_a_method_reference_is_refused() {
    let mut class = Class::new("T");
    let [hi, lo] = be(class.pool.method("T", "f", "()I"));
    class.method(STATIC, "m", "()I", Some(Code::new(1, 0, vec![GETSTATIC, hi, lo, IRETURN])));
    assert_verify_error(&class, "field instruction without a field reference at bytecode 0");
}

/// ldc loads only ints, floats, strings, classes, method types and handles; ldc2_w only longs and
/// doubles.
#[test]
fn ldc_of_a_method_reference_is_refused() {
    let mut class = Class::new("T");
    let method = class.pool.method("T", "f", "()V");
    class.method(STATIC, "m", "()V", Some(Code::new(1, 0, vec![LDC, small(method), POP, RETURN])));
    assert_verify_error(&class, "ldc of a constant of the wrong kind at bytecode 0");

    let mut class = Class::new("T");
    let [hi, lo] = be(class.pool.long(5));
    class.method(STATIC, "m", "()V", Some(Code::new(2, 0, vec![LDC_W, hi, lo, POP2, RETURN])));
    assert_verify_error(&class, "ldc of a constant of the wrong kind at bytecode 0");

    let mut class = Class::new("T");
    let [hi, lo] = be(class.pool.integer(5));
    class.method(STATIC, "m", "()V", Some(Code::new(2, 0, vec![LDC2_W, hi, lo, POP2, RETURN])));
    assert_verify_error(&class, "ldc of a constant of the wrong kind at bytecode 0");

    let class = single(STATIC, "()V", Code::new(1, 0, vec![LDC, 0, POP, RETURN]));
    assert_verify_error(&class, "bad ldc index");
}

/// Where two paths join, an int on one and a float on the other do not merge.
#[test]
fn an_int_and_a_float_on_the_stack_do_not_merge() {
    let mut a = Asm::new();
    let (float, join) = (a.label(), a.label());
    a.op(&[ILOAD_0]).jump(IFEQ, float).op(&[ICONST_0]).jump(GOTO, join);
    a.bind(float).op(&[FCONST_0]).bind(join).op(&[POP, RETURN]);
    let class = single(STATIC, "(I)V", Code::new(1, 1, a.finish()));
    assert_verify_error(&class, "operand stacks differ where paths join");

    // Nor do stacks of different heights.
    let mut a = Asm::new();
    let join = a.label();
    a.op(&[ILOAD_0, ILOAD_0]).jump(IFEQ, join).op(&[ICONST_0]).bind(join).op(&[POP, RETURN]);
    let class = single(STATIC, "(I)V", Code::new(2, 1, a.finish()));
    assert_verify_error(&class, "operand stacks differ where paths join");
}

/// A local set on only one of two joining paths cannot be read after the join.
#[test]
fn a_local_set_on_only_one_path_is_unusable_after_the_join() {
    let mut a = Asm::new();
    let join = a.label();
    a.op(&[ILOAD_0]).jump(IFEQ, join).op(&[ICONST_1, ISTORE_1]).bind(join).op(&[ILOAD_1, IRETURN]);
    let class = single(STATIC, "(I)I", Code::new(1, 2, a.finish()));
    assert_verify_error(&class, "local variable has the wrong type or is out of range at bytecode 6");

    // Also when both paths set it, but to different kinds.
    let mut a = Asm::new();
    let (other, join) = (a.label(), a.label());
    a.op(&[ILOAD_0]).jump(IFEQ, other).op(&[ICONST_1, ISTORE_1]).jump(GOTO, join);
    a.bind(other).op(&[FCONST_1, 0x44]).bind(join).op(&[ILOAD_1, IRETURN]); // 0x44: fstore_1
    let class = single(STATIC, "(I)I", Code::new(1, 2, a.finish()));
    assert_verify_error(&class, "local variable has the wrong type or is out of range");
}

/// A long whose second slot was overwritten, or which was overwritten from the slot before,
/// cannot be loaded.
#[test]
fn overwriting_half_a_long_makes_it_unusable() {
    let bytes = vec![LCONST_0, LSTORE_0, ICONST_0, ISTORE_1, LLOAD_0, LRETURN];
    let class = single(STATIC, "()J", Code::new(2, 2, bytes));
    assert_verify_error(&class, "local variable has the wrong type or is out of range at bytecode 4");

    let bytes = vec![LCONST_0, LSTORE, 1, LCONST_1, LSTORE_0, LLOAD, 1, LRETURN];
    let class = single(STATIC, "()J", Code::new(2, 3, bytes));
    assert_verify_error(&class, "local variable has the wrong type or is out of range at bytecode 5");
}

/// One-slot shuffles (pop, dup, swap, dup_x1) refuse a long.
#[test]
fn one_slot_shuffles_of_a_long_are_refused() {
    for shuffle in [POP, DUP, DUP_X1, SWAP] {
        let class = single(STATIC, "()V", Code::new(6, 0, vec![ICONST_0, LCONST_0, shuffle, RETURN]));
        assert_verify_error(&class, "stack shuffle on values of the wrong size at bytecode 2");
    }
    // dup2 of an int over a long (the pair would split the long).
    let class = single(STATIC, "()V", Code::new(6, 0, vec![LCONST_0, ICONST_0, DUP2, RETURN]));
    assert_verify_error(&class, "stack shuffle on values of the wrong size at bytecode 2");
}

/// Handler ranges and targets must be on instruction boundaries, with start before end.
#[test]
fn an_exception_handler_range_not_on_instruction_boundaries_is_refused() {
    // 0: sipush 7  3: pop  4: return  5: athrow
    let code = || vec![SIPUSH, 0, 7, POP, RETURN, ATHROW];
    for [start, end, handler] in [[1, 4, 5], [0, 2, 5], [0, 4, 1], [0, 4, 9], [3, 3, 5], [4, 3, 5], [0, 7, 5]] {
        let class = single(STATIC, "()V", Code::new(1, 0, code()).handler(start, end, handler, 0));
        assert_verify_error(&class, "exception handler range or target is not on an instruction");
    }
    // The end may be the code's length (here the handler covers itself).
    let class = single(STATIC, "()V", Code::new(1, 0, code()).handler(0, 6, 5, 0));
    assert_verifies(&class);
    let class = single(STATIC, "()V", Code::new(1, 0, code()).handler(0, 5, 5, 0));
    assert_verifies(&class);
}

/// A handler's code starts with the exception on the stack, not with what the range had.
#[test]
fn a_handler_starts_with_only_the_exception_on_the_stack() {
    // 0: iconst_0  1: ireturn  2: iadd (the handler: a reference and nothing else)
    let class = single(STATIC, "()I", Code::new(2, 0, vec![ICONST_0, IRETURN, IADD, IRETURN]).handler(0, 2, 2, 0));
    assert_verify_error(&class, "at bytecode 2");
}

/// A method that is neither abstract nor native must have code.
#[test]
fn a_concrete_method_without_code_is_refused() {
    let mut class = Class::new("T");
    class.method(STATIC, "m", "()V", None);
    assert_verify_error(&class, "T.m()V: a method without code that is neither abstract nor native");
    let mut class = Class::new("T");
    class.method(ABSTRACT, "a", "()V", None).method(STATIC | NATIVE, "n", "()V", None);
    assert_verifies(&class);
}

/// An abstract or native method has no code.
#[test]
fn an_abstract_method_with_code_is_refused() {
    let class = single(ABSTRACT | PUBLIC, "()V", Code::new(0, 1, vec![RETURN]));
    assert_verify_error(&class, "T.m()V: an abstract or native method with code");
    let class = single(NATIVE | STATIC, "()V", Code::new(0, 0, vec![RETURN]));
    assert_verify_error(&class, "an abstract or native method with code");
}

/// newarray takes an element type code 4 to 11.
#[test]
fn newarray_of_an_unknown_type_is_refused() {
    let class = single(STATIC, "()V", Code::new(1, 0, vec![ICONST_1, 0xbc, 3, POP, RETURN]));
    assert_verify_error(&class, "newarray of an unknown element type at bytecode 1");
}

/// The verifier stops at the first bad method and names it.
#[test]
fn the_error_names_the_first_bad_method() {
    let mut class = Class::new("T");
    class.method(STATIC, "good", "()V", Some(Code::new(0, 0, vec![RETURN]))).method(
        STATIC,
        "bad",
        "(J)I",
        Some(Code::new(0, 2, vec![IADD, IRETURN])),
    );
    assert_verify_error(&class, "T.bad(J)I: operand stack underflow at bytecode 0");
}

/// iinc touches a local only: javac gives `static void bump(int x) { x++; }` max_stack 0, and
/// `a[i++]` runs iinc with the stack full (max_stack 2). Both must verify.
#[test]
fn iinc_needs_no_room_on_the_stack() {
    let cases = [
        ("(I)V", Code::new(0, 1, vec![IINC, 0, 1, RETURN])),
        ("(I)V", Code::new(0, 1, vec![WIDE, IINC, 0, 0, 0, 1, RETURN])),
        // int x = a[i++]; return x + i;
        (
            "([II)I",
            Code::new(2, 3, vec![ALOAD_0, ILOAD_1, IINC, 1, 1, IALOAD, ISTORE_2, ILOAD_2, ILOAD_1, IADD, IRETURN]),
        ),
    ];
    let mut refused = Vec::new();
    for (descriptor, code) in cases {
        let file = parse(&single(STATIC, descriptor, code).bytes()).expect("parses");
        if let Err(error) = verify_class(&file) {
            refused.push(error.message().to_string());
        }
    }
    assert!(refused.is_empty(), "{refused:#?}");
}

/// A handler's entry state holds the exception: with max_stack 0 there is no room for it
/// (JVMS §4.10.1.6; HotSpot says "Stack size too large").
#[test]
fn a_handler_needs_room_for_the_exception() {
    let class = single(STATIC, "()V", Code::new(0, 0, vec![RETURN, ATHROW]).handler(0, 1, 1, 0));
    verify_error(&class);
}

/// invokeinterface's count byte must be the arguments' slots plus one (JVMS §6.5).
#[test]
fn invokeinterface_with_a_wrong_count_is_refused() {
    let mut class = Class::new("T");
    let [hi, lo] = be(class.pool.interface_method("java/util/List", "size", "()I"));
    let code = vec![ALOAD_0, INVOKEINTERFACE, hi, lo, 7, 0, IRETURN];
    class.method(STATIC, "m", "(Ljava/util/List;)I", Some(Code::new(1, 1, code)));
    verify_error(&class);
}

// ---------------------------------------------------------------------------------------------
// The verifier: well-formed code.

/// A counting loop (a back branch, iinc, a conditional exit) verifies.
#[test]
fn a_counting_loop_verifies() {
    assert_verifies(&single(STATIC, "(I)I", counting_loop()));
}

/// Longs and doubles in two-slot locals, parameters and stores, verify.
#[test]
fn long_and_double_locals_take_two_slots_and_verify() {
    assert_verifies(&single(STATIC, "(JD)D", wide_locals()));
    // An instance method: `this` in 0, the long in 1-2.
    assert_verifies(&single(0, "(J)J", Code::new(2, 3, vec![LLOAD, 1, LRETURN])));
}

/// dup2, dup_x2, dup2_x1 and dup2_x2 on longs, and the one-slot shuffles on ints, verify.
#[test]
fn dup2_and_dup_x2_forms_on_longs_verify() {
    assert_verifies(&single(STATIC, "()I", long_shuffles()));
    assert_verifies(&single(STATIC, "()I", int_shuffles()));
    // dup2_x2 form 1 (four ints) and dup_x2 form 1 (three ints).
    let bytes = vec![ICONST_0, ICONST_1, ICONST_2, ICONST_M1, DUP2_X2, DUP_X2, POP2, POP2, POP2, POP, RETURN];
    assert_verifies(&single(STATIC, "()V", Code::new(8, 0, bytes)));
}

/// A tableswitch and a lookupswitch, at different paddings, verify.
#[test]
fn tableswitch_and_lookupswitch_verify() {
    assert_verifies(&single(STATIC, "(I)I", switches()));
    // Every padding (0 to 3 bytes).
    for nops in 0..4 {
        let mut a = Asm::new();
        let (case, out) = (a.label(), a.label());
        a.op(&vec![NOP; nops]).op(&[ILOAD_0]).tableswitch(out, 7, &[case, out]).bind(case);
        a.op(&[ILOAD_0]).lookupswitch(out, &[(1, out)]).bind(out).op(&[RETURN]);
        assert_verifies(&single(STATIC, "(I)V", Code::new(1, 1, a.finish())));
    }
}

/// A try/catch (a typed row and a catch-all over the same range) verifies, the handler storing
/// the exception in a local.
#[test]
fn a_try_catch_verifies() {
    let mut class = Class::new("T");
    let code = try_catch(&mut class.pool);
    class.method(STATIC, "m", "(I)I", Some(code));
    assert_verifies(&class);
}

/// A local set before a try is still usable in its handler; one set inside the try is not.
#[test]
fn a_handler_sees_the_locals_of_every_instruction_it_covers() {
    // 0: iconst_2  1: istore_1  2: iconst_1  3: iload_0  4: idiv  5: ireturn  6: pop  7: iload_1  8: ireturn
    let bytes = vec![ICONST_2, ISTORE_1, ICONST_1, ILOAD_0, IDIV, IRETURN, POP, ILOAD_1, IRETURN];
    assert_verifies(&single(STATIC, "(I)I", Code::new(2, 2, bytes).handler(2, 6, 6, 0)));
    // 0: iconst_1  1: iload_0  2: idiv  3: istore_1  4: iload_1  5: ireturn  6: pop  7: iload_1  8: ireturn
    let bytes = vec![ICONST_1, ILOAD_0, IDIV, ISTORE_1, ILOAD_1, IRETURN, POP, ILOAD_1, IRETURN];
    let class = single(STATIC, "(I)I", Code::new(2, 2, bytes).handler(0, 6, 6, 0));
    assert_verify_error(&class, "at bytecode 7");
}

// ---------------------------------------------------------------------------------------------
// Mutations: nothing panics.

/// Every byte of the sample, with each of its bits flipped and set to each boundary value (0, 1,
/// 0x7F, 0x80, 0xFF, one more, one less) in turn, gives a result, never a panic.
#[test]
fn every_single_byte_change_of_a_valid_class_is_handled() {
    let bytes = sample().bytes();
    let mut refused = 0;
    for at in 0..bytes.len() {
        let original = bytes[at];
        let flips = (0..8).map(|bit| original ^ (1 << bit));
        let boundaries = [0, 1, 0x7F, 0x80, 0xFF, original.wrapping_add(1), original.wrapping_sub(1)];
        let mut changed = bytes.clone();
        for value in flips.chain(boundaries) {
            changed[at] = value;
            refused += load(&changed).is_err() as usize;
        }
    }
    assert!(refused > 0);
}

/// One edit of a class file.
#[derive(Clone, Debug)]
enum Edit {
    Set(prop::sample::Index, u8),
    Flip(prop::sample::Index, u8),
    Word(prop::sample::Index, u16),
    Insert(prop::sample::Index, Vec<u8>),
    Remove(prop::sample::Index, usize),
    Truncate(prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    use prop::sample::Index;
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(at, value)| Edit::Set(at, value)),
        (any::<Index>(), 0..8u8).prop_map(|(at, bit)| Edit::Flip(at, 1 << bit)),
        (any::<Index>(), prop_oneof![Just(0u16), Just(1), Just(0xFFFF), Just(0x7FFF), any::<u16>()])
            .prop_map(|(at, value)| Edit::Word(at, value)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..6)).prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (any::<Index>(), 1..6usize).prop_map(|(at, count)| Edit::Remove(at, count)),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    if bytes.is_empty() {
        return;
    }
    match edit {
        Edit::Set(at, value) => {
            let at = at.index(bytes.len());
            bytes[at] = *value;
        }
        Edit::Flip(at, mask) => {
            let at = at.index(bytes.len());
            bytes[at] ^= mask;
        }
        Edit::Word(at, value) => {
            let at = at.index(bytes.len());
            let end = (at + 2).min(bytes.len());
            bytes[at..end].copy_from_slice(&value.to_be_bytes()[..end - at]);
        }
        Edit::Insert(at, inserted) => {
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, inserted.iter().copied());
        }
        Edit::Remove(at, count) => {
            let at = at.index(bytes.len());
            let end = (at + count).min(bytes.len());
            bytes.drain(at..end);
        }
        Edit::Truncate(at) => {
            let at = at.index(bytes.len());
            bytes.truncate(at);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    /// Random byte changes, flips, insertions, removals and truncations of the sample never make
    /// parse + verify panic.
    #[test]
    fn random_edits_of_a_valid_class_never_panic(edits in prop::collection::vec(edit(), 1..6)) {
        let mut bytes = sample().bytes();
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        let _ = load(&bytes);
    }

    /// Random code (bytes from the opcodes' range, any max_stack and max_locals, a handler) in
    /// the sample's pool never makes the verifier panic.
    #[test]
    fn random_code_never_panics(
        code in prop::collection::vec(any::<u8>(), 1..40),
        max_stack in 0..6u16,
        max_locals in 0..4u16,
        handler in prop::option::of((0..40u16, 0..40u16, 0..40u16)),
        descriptor in prop_oneof![Just("()V"), Just("(I)I"), Just("(JD)J"), Just("(Ljava/lang/Object;)F")],
    ) {
        let mut class = sample();
        let mut code = Code::new(max_stack, max_locals, code);
        if let Some((start, end, target)) = handler {
            code = code.handler(start, end, target, 0);
        }
        class.method(STATIC, "random", descriptor, Some(code));
        let _ = load(&class.bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// javac's classes.

/// The major version of the javac on PATH, None when there is none.
fn javac_version() -> Option<u32> {
    let output = Command::new("javac").arg("-version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    let version = text.split_whitespace().nth(1)?;
    let major = version.split(['.', '-', '+']).next()?.parse().ok()?;
    // Java 8 and before say "1.8.0_...".
    Some(if major == 1 { 8 } else { major })
}

/// Compiles every .java file of `sources` into a fresh directory; returns it and the class files
/// made.
fn compile(sources: &Path, name: &str) -> (PathBuf, Vec<PathBuf>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sources)
        .unwrap_or_else(|error| panic!("{}: {error}", sources.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "java"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .java file in {}", sources.display());
    let out = std::env::temp_dir().join(format!("stardust-jvm-malformed-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let status = Command::new("javac")
        .args(["--release", "17", "-g", "-encoding", "UTF-8", "-d"])
        .arg(&out)
        .args(&files)
        .status()
        .expect("javac runs");
    assert!(status.success(), "javac failed on {}", sources.display());
    let mut classes = Vec::new();
    let mut pending = vec![out.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "class") {
                classes.push(path);
            }
        }
    }
    classes.sort();
    (out, classes)
}

/// Every class javac 17 makes of the Java corpus (tests/java at the repository's top) and of this
/// crate's verifier shapes (tests/java here) parses and verifies. Skipped, saying why, without
/// javac 17 or newer.
#[test]
fn javac_classes_parse_and_verify() {
    match javac_version() {
        None => {
            println!("skipped: no javac on PATH");
            return;
        }
        Some(version) if version < 17 => {
            println!("skipped: javac {version} cannot compile for Java 17");
            return;
        }
        Some(_) => {}
    }
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpora = [("corpus", crate_dir.join("../../tests/java")), ("shapes", crate_dir.join("tests/java"))];
    let mut failures = Vec::new();
    let mut count = 0;
    for (name, sources) in corpora {
        if !sources.is_dir() {
            println!("skipped {name}: {} is missing", sources.display());
            continue;
        }
        let (out, classes) = compile(&sources, name);
        for path in &classes {
            let bytes = std::fs::read(path).unwrap();
            count += 1;
            if let Err(error) = load(&bytes) {
                failures.push(format!("{}: {} {}", path.display(), error.java_class(), error.message()));
            }
        }
        let _ = std::fs::remove_dir_all(&out);
    }
    println!("{count} classes from javac");
    assert!(failures.is_empty(), "{} of {count} classes refused:\n{}", failures.len(), failures.join("\n"));
}
