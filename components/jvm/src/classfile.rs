//! The class-file reader (JVMS §4): bytes in, a checked [`ClassFile`] out. Every index and
//! length is checked against the bytes it names; nothing here can panic on any input.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::LinkError;

/// One constant-pool entry (JVMS §4.4). Index 0 and the slot after a Long or Double are `Unusable`.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Unusable,
    Utf8(Box<str>),
    Integer(i32),
    Float(f32),
    Long(i64),
    Double(f64),
    Class(u16),
    String(u16),
    Fieldref(u16, u16),
    Methodref(u16, u16),
    InterfaceMethodref(u16, u16),
    NameAndType(u16, u16),
    MethodHandle(u8, u16),
    MethodType(u16),
    Dynamic(u16, u16),
    InvokeDynamic(u16, u16),
    Module(u16),
    Package(u16),
}

/// Access flags this VM looks at.
pub mod access {
    pub const PUBLIC: u16 = 0x0001;
    pub const STATIC: u16 = 0x0008;
    pub const FINAL: u16 = 0x0010;
    pub const SYNCHRONIZED: u16 = 0x0020;
    pub const NATIVE: u16 = 0x0100;
    pub const INTERFACE: u16 = 0x0200;
    pub const ABSTRACT: u16 = 0x0400;
}

/// A field or a method.
#[derive(Clone, Debug)]
pub struct Member {
    pub access: u16,
    pub name: Box<str>,
    pub descriptor: Box<str>,
    /// A method's Code attribute (absent for abstract and native methods, and for fields).
    pub code: Option<Code>,
    /// A static field's ConstantValue (a constant-pool index).
    pub constant: Option<u16>,
}

/// A method's Code attribute.
#[derive(Clone, Debug)]
pub struct Code {
    pub max_stack: u16,
    pub max_locals: u16,
    pub bytes: Box<[u8]>,
    pub handlers: Box<[Handler]>,
    /// The LineNumberTable, (start pc, line), for stack traces.
    pub lines: Box<[(u16, u16)]>,
}

/// One exception-table row: `[start, end)` is covered, `handler` is where it goes, `catch` the
/// constant-pool index of the caught class (0: any).
#[derive(Clone, Copy, Debug)]
pub struct Handler {
    pub start: u16,
    pub end: u16,
    pub handler: u16,
    pub catch: u16,
}

/// A BootstrapMethods row: the method handle's index and the static arguments' indices.
#[derive(Clone, Debug)]
pub struct Bootstrap {
    pub method: u16,
    pub arguments: Box<[u16]>,
}

/// A parsed class file.
#[derive(Clone, Debug)]
pub struct ClassFile {
    pub major: u16,
    pub pool: Vec<Constant>,
    pub access: u16,
    pub name: Box<str>,
    pub super_name: Option<Box<str>>,
    pub interfaces: Vec<Box<str>>,
    pub fields: Vec<Member>,
    pub methods: Vec<Member>,
    pub bootstrap: Vec<Bootstrap>,
    pub source: Option<Box<str>>,
}

/// The newest class-file version read: Java 17 (61). Older versions down to Java 1.1 (45) read too.
pub const MAX_MAJOR: u16 = 61;

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], LinkError> {
        let end = self.at.checked_add(count).filter(|end| *end <= self.bytes.len());
        let end = end.ok_or_else(|| LinkError::format("truncated class file"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }
    fn u1(&mut self) -> Result<u8, LinkError> {
        Ok(self.take(1)?[0])
    }
    fn u2(&mut self) -> Result<u16, LinkError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u4(&mut self) -> Result<u32, LinkError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u8(&mut self) -> Result<u64, LinkError> {
        Ok(((self.u4()? as u64) << 32) | self.u4()? as u64)
    }
}

/// Decodes the JVM's modified UTF-8 (JVMS §4.4.7) into UTF-16 code units.
pub fn modified_utf8_to_utf16(bytes: &[u8]) -> Option<Vec<u16>> {
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let a = bytes[i] as u16;
        if a & 0x80 == 0 && a != 0 {
            units.push(a);
            i += 1;
        } else if a & 0xE0 == 0xC0 {
            let b = *bytes.get(i + 1)? as u16;
            if b & 0xC0 != 0x80 {
                return None;
            }
            units.push(((a & 0x1F) << 6) | (b & 0x3F));
            i += 2;
        } else if a & 0xF0 == 0xE0 {
            let b = *bytes.get(i + 1)? as u16;
            let c = *bytes.get(i + 2)? as u16;
            if b & 0xC0 != 0x80 || c & 0xC0 != 0x80 {
                return None;
            }
            units.push(((a & 0x0F) << 12) | ((b & 0x3F) << 6) | (c & 0x3F));
            i += 3;
        } else {
            return None;
        }
    }
    Some(units)
}

/// Reads `bytes` as a class file. Every constant-pool reference the class's own structure uses
/// (names, descriptors, attributes) is checked here; the verifier checks the code's.
pub fn parse(bytes: &[u8]) -> Result<ClassFile, LinkError> {
    let mut r = Reader { bytes, at: 0 };
    if r.u4()? != 0xCAFE_BABE {
        return Err(LinkError::format("bad magic number (not a class file)"));
    }
    let _minor = r.u2()?;
    let major = r.u2()?;
    if !(45..=MAX_MAJOR).contains(&major) {
        return Err(LinkError::Unsupported(alloc::format!(
            "class file version {major} (this VM reads 45 to {MAX_MAJOR}: Java 17)"
        )));
    }
    let count = r.u2()? as usize;
    if count == 0 {
        return Err(LinkError::format("empty constant pool"));
    }
    let mut pool = Vec::with_capacity(count);
    pool.push(Constant::Unusable);
    while pool.len() < count {
        let tag = r.u1()?;
        let entry = match tag {
            1 => {
                let length = r.u2()? as usize;
                let raw = r.take(length)?;
                let units = modified_utf8_to_utf16(raw).ok_or_else(|| LinkError::format("malformed UTF-8 constant"))?;
                Constant::Utf8(String::from_utf16_lossy(&units).into_boxed_str())
            }
            3 => Constant::Integer(r.u4()? as i32),
            4 => Constant::Float(f32::from_bits(r.u4()?)),
            5 => Constant::Long(r.u8()? as i64),
            6 => Constant::Double(f64::from_bits(r.u8()?)),
            7 => Constant::Class(r.u2()?),
            8 => Constant::String(r.u2()?),
            9 => Constant::Fieldref(r.u2()?, r.u2()?),
            10 => Constant::Methodref(r.u2()?, r.u2()?),
            11 => Constant::InterfaceMethodref(r.u2()?, r.u2()?),
            12 => Constant::NameAndType(r.u2()?, r.u2()?),
            15 => Constant::MethodHandle(r.u1()?, r.u2()?),
            16 => Constant::MethodType(r.u2()?),
            17 => Constant::Dynamic(r.u2()?, r.u2()?),
            18 => Constant::InvokeDynamic(r.u2()?, r.u2()?),
            19 => Constant::Module(r.u2()?),
            20 => Constant::Package(r.u2()?),
            _ => return Err(LinkError::format_owned(alloc::format!("unknown constant-pool tag {tag}"))),
        };
        let wide = matches!(entry, Constant::Long(_) | Constant::Double(_));
        pool.push(entry);
        if wide {
            if pool.len() >= count {
                return Err(LinkError::format("a long or double is the last constant-pool entry"));
            }
            pool.push(Constant::Unusable);
        }
    }
    let pool_view = Pool(&pool);
    pool_view.check_links()?;
    let access = r.u2()?;
    let name = pool_view.class_name(r.u2()?)?.into();
    let super_index = r.u2()?;
    let super_name = if super_index == 0 { None } else { Some(pool_view.class_name(super_index)?.into()) };
    let mut interfaces = Vec::new();
    for _ in 0..r.u2()? {
        interfaces.push(pool_view.class_name(r.u2()?)?.into());
    }
    let mut fields = Vec::new();
    for _ in 0..r.u2()? {
        fields.push(member(&mut r, pool_view, false)?);
    }
    let mut methods = Vec::new();
    for _ in 0..r.u2()? {
        methods.push(member(&mut r, pool_view, true)?);
    }
    let mut bootstrap = Vec::new();
    let mut source = None;
    for _ in 0..r.u2()? {
        let attribute = pool_view.utf8(r.u2()?)?;
        let length = r.u4()? as usize;
        let body = r.take(length)?;
        let mut a = Reader { bytes: body, at: 0 };
        match attribute {
            "BootstrapMethods" => {
                for _ in 0..a.u2()? {
                    let method = a.u2()?;
                    if !matches!(pool_view.get(method)?, Constant::MethodHandle(..)) {
                        return Err(LinkError::format("a bootstrap method is not a method handle"));
                    }
                    let mut arguments = Vec::new();
                    for _ in 0..a.u2()? {
                        let argument = a.u2()?;
                        pool_view.get(argument)?;
                        arguments.push(argument);
                    }
                    bootstrap.push(Bootstrap { method, arguments: arguments.into() });
                }
            }
            "SourceFile" => source = Some(pool_view.utf8(a.u2()?)?.into()),
            _ => {}
        }
    }
    if r.at != bytes.len() {
        return Err(LinkError::format("extra bytes after the class file's end"));
    }
    for constant in &pool {
        if let Constant::InvokeDynamic(index, _) | Constant::Dynamic(index, _) = constant
            && *index as usize >= bootstrap.len()
        {
            return Err(LinkError::format("invokedynamic names a missing bootstrap method"));
        }
    }
    Ok(ClassFile { major, pool, access, name, super_name, interfaces, fields, methods, bootstrap, source })
}

fn member(r: &mut Reader, pool: Pool, method: bool) -> Result<Member, LinkError> {
    let access = r.u2()?;
    let name: Box<str> = pool.utf8(r.u2()?)?.into();
    let descriptor: Box<str> = pool.utf8(r.u2()?)?.into();
    let valid = if method {
        crate::descriptor::Signature::parse(&descriptor).is_some()
    } else {
        crate::descriptor::field_kind(&descriptor).is_some()
    };
    if !valid {
        return Err(LinkError::format_owned(alloc::format!("bad descriptor {descriptor} of {name}")));
    }
    let mut code = None;
    let mut constant = None;
    for _ in 0..r.u2()? {
        let attribute = pool.utf8(r.u2()?)?;
        let length = r.u4()? as usize;
        let body = r.take(length)?;
        let mut a = Reader { bytes: body, at: 0 };
        match attribute {
            "Code" if method => {
                if code.is_some() {
                    return Err(LinkError::format("two Code attributes"));
                }
                let max_stack = a.u2()?;
                let max_locals = a.u2()?;
                let length = a.u4()? as usize;
                if length == 0 || length > 65535 {
                    return Err(LinkError::format("code length out of range"));
                }
                let bytes: Box<[u8]> = a.take(length)?.into();
                let mut handlers = Vec::new();
                for _ in 0..a.u2()? {
                    let handler = Handler { start: a.u2()?, end: a.u2()?, handler: a.u2()?, catch: a.u2()? };
                    if handler.catch != 0 {
                        pool.class_name(handler.catch)?;
                    }
                    handlers.push(handler);
                }
                let mut lines = Vec::new();
                for _ in 0..a.u2()? {
                    let attribute = pool.utf8(a.u2()?)?;
                    let length = a.u4()? as usize;
                    let body = a.take(length)?;
                    if attribute == "LineNumberTable" {
                        let mut l = Reader { bytes: body, at: 0 };
                        for _ in 0..l.u2()? {
                            lines.push((l.u2()?, l.u2()?));
                        }
                    }
                }
                code = Some(Code { max_stack, max_locals, bytes, handlers: handlers.into(), lines: lines.into() });
            }
            "ConstantValue" if !method => {
                let index = a.u2()?;
                let fits = match (descriptor.as_bytes()[0], pool.get(index)?) {
                    (b'I' | b'S' | b'C' | b'B' | b'Z', Constant::Integer(_)) => true,
                    (b'F', Constant::Float(_)) => true,
                    (b'J', Constant::Long(_)) => true,
                    (b'D', Constant::Double(_)) => true,
                    (b'L', Constant::String(_)) => &*descriptor == "Ljava/lang/String;",
                    _ => false,
                };
                if !fits {
                    let message =
                        alloc::format!("the ConstantValue of field {name} does not fit its type {descriptor}");
                    return Err(LinkError::format_owned(message));
                }
                constant = Some(index);
            }
            _ => {}
        }
    }
    Ok(Member { access, name, descriptor, code, constant })
}

/// A view of a constant pool with checked lookups.
#[derive(Clone, Copy)]
pub struct Pool<'a>(pub &'a [Constant]);

impl<'a> Pool<'a> {
    pub fn get(self, index: u16) -> Result<&'a Constant, LinkError> {
        match self.0.get(index as usize) {
            Some(Constant::Unusable) | None => Err(LinkError::format("bad constant-pool index")),
            Some(constant) => Ok(constant),
        }
    }
    pub fn utf8(self, index: u16) -> Result<&'a str, LinkError> {
        match self.get(index)? {
            Constant::Utf8(text) => Ok(text),
            _ => Err(LinkError::format("constant-pool entry is not UTF-8")),
        }
    }
    pub fn class_name(self, index: u16) -> Result<&'a str, LinkError> {
        match self.get(index)? {
            Constant::Class(name) => self.utf8(*name),
            _ => Err(LinkError::format("constant-pool entry is not a class")),
        }
    }
    /// (name, descriptor) of a NameAndType.
    pub fn name_and_type(self, index: u16) -> Result<(&'a str, &'a str), LinkError> {
        match self.get(index)? {
            Constant::NameAndType(name, descriptor) => Ok((self.utf8(*name)?, self.utf8(*descriptor)?)),
            _ => Err(LinkError::format("constant-pool entry is not a name and type")),
        }
    }
    /// (class, name, descriptor) of a field or method reference.
    pub fn member(self, index: u16) -> Result<(&'a str, &'a str, &'a str), LinkError> {
        match self.get(index)? {
            Constant::Fieldref(class, nat)
            | Constant::Methodref(class, nat)
            | Constant::InterfaceMethodref(class, nat) => {
                let (name, descriptor) = self.name_and_type(*nat)?;
                Ok((self.class_name(*class)?, name, descriptor))
            }
            _ => Err(LinkError::format("constant-pool entry is not a member reference")),
        }
    }

    /// Every entry's references point at entries of the right kind.
    fn check_links(self) -> Result<(), LinkError> {
        for constant in self.0 {
            match *constant {
                Constant::Class(name)
                | Constant::String(name)
                | Constant::MethodType(name)
                | Constant::Module(name)
                | Constant::Package(name) => {
                    self.utf8(name)?;
                }
                Constant::NameAndType(name, descriptor) => {
                    self.utf8(name)?;
                    self.utf8(descriptor)?;
                }
                Constant::Fieldref(class, nat)
                | Constant::Methodref(class, nat)
                | Constant::InterfaceMethodref(class, nat) => {
                    self.class_name(class)?;
                    let (_, descriptor) = self.name_and_type(nat)?;
                    let method = !matches!(constant, Constant::Fieldref(..));
                    let valid = if method {
                        crate::descriptor::Signature::parse(descriptor).is_some()
                    } else {
                        crate::descriptor::field_kind(descriptor).is_some()
                    };
                    if !valid {
                        return Err(LinkError::format("member reference with a bad descriptor"));
                    }
                }
                Constant::MethodHandle(kind, reference) => {
                    if !(1..=9).contains(&kind) {
                        return Err(LinkError::format("bad method-handle kind"));
                    }
                    let fits = matches!(
                        (kind, self.get(reference)?),
                        (1..=4, Constant::Fieldref(..))
                            | (5 | 8, Constant::Methodref(..))
                            | (6 | 7, Constant::Methodref(..) | Constant::InterfaceMethodref(..))
                            | (9, Constant::InterfaceMethodref(..))
                    );
                    if !fits {
                        return Err(LinkError::format("method handle names the wrong kind of member"));
                    }
                }
                Constant::Dynamic(_, nat) | Constant::InvokeDynamic(_, nat) => {
                    self.name_and_type(nat)?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
