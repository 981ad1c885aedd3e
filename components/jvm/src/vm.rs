//! The machine: classes (loaded on first use, verified, linked, initialised in Java's order),
//! the call stack (frames on one value stack, not on Rust's), the interpreter loop, exceptions
//! and the collector's roots.

use crate::sorted::SortedMap;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use crate::classfile::{self, ClassFile, Code, Constant, Pool, access};
use crate::descriptor::{Kind, Signature};
use crate::error::LinkError;
use crate::heap::{Heap, Native, Ref, Value};
use crate::lambda::CallSite;
use crate::threads::Vm;
use crate::verify;

pub type ClassId = u32;

/// What `by_name` holds for a class while its super classes load: meeting it again is a cycle.
const BEING_DEFINED: ClassId = ClassId::MAX;
pub type MethodId = u32;

/// Why Java code stopped running: an exception on its way up, or `System.exit`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unwind {
    Throw(Ref),
    Exit(i32),
}

pub type Outcome = Result<Option<Value>, Unwind>;

/// A method in the class library, in Rust: gets the arguments (in slots: `this` first, long and
/// double followed by a filler) and returns the result (None for void).
pub type NativeFn = fn(&mut Vm, &[Value]) -> Outcome;

/// What the VM needs from the system it runs on: output, clocks, threads. Shared by every Java
/// thread, so every method takes `&self`.
pub trait Host: Send + Sync {
    /// Writes to standard output (`err` false) or standard error.
    fn write(&self, err: bool, bytes: &[u8]);
    /// Nanoseconds on a monotonic clock.
    fn nanos(&self) -> u64;
    /// Milliseconds since 1970 (UTC).
    fn millis(&self) -> i64;
    /// Sleeps the calling thread.
    fn sleep(&self, millis: u64);
    /// Lets other threads run.
    fn yield_now(&self);
    /// Runs `run` on a new thread (with room for the VM's nested calls); false if it cannot.
    fn spawn(&self, run: alloc::boxed::Box<dyn FnOnce() + Send>) -> bool;
    /// Ends the program at once with `code` (System.exit from a thread other than main).
    fn exit(&self, code: i32) -> !;
}

/// Where class files come from: the sealed classes of the image, a directory on the host.
pub trait ClassSource: Send {
    /// The bytes of `name` (internal form: `pkg/Name`), if the source has it.
    fn find(&self, name: &str) -> Option<&[u8]>;
}

/// Sizes the VM runs within.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Heap budget in bytes: beyond it after a collection, OutOfMemoryError.
    pub heap_bytes: usize,
    /// Java frames at most: beyond, StackOverflowError.
    pub max_frames: usize,
    /// Nested native-to-Java calls at most (each costs Rust stack): beyond, StackOverflowError.
    pub max_native_depth: usize,
    /// Value-stack slots (16 bytes each) one thread's frames may take: beyond, StackOverflowError.
    pub max_stack_slots: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config { heap_bytes: 16 << 20, max_frames: 4000, max_native_depth: 256, max_stack_slots: 1 << 20 }
    }
}

pub enum Body {
    Bytecode(Arc<Code>),
    Native(NativeFn),
    Abstract,
    /// A native method the library lacks: UnsatisfiedLinkError when called.
    Missing,
    /// The one method of a lambda's class.
    Lambda(Arc<crate::lambda::Target>),
}

pub struct Method {
    pub class: ClassId,
    pub name: Box<str>,
    pub descriptor: Box<str>,
    pub selector: u32,
    pub flags: u16,
    /// Slots of the arguments, `this` included.
    pub arg_slots: u16,
    pub result: Option<Kind>,
    pub body: Body,
    /// A handle on `body`'s code for the interpreter: the frame that runs takes it and gives it
    /// back when it calls or returns, so a call costs no atomic count (a clone would cost an
    /// increment and a decrement). Empty while a frame of the method runs (a second one clones).
    pub(crate) spare: Option<Arc<Code>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Init {
    No,
    /// Its initialiser runs in this Java thread.
    Running(u32),
    Done,
    Failed,
}

/// A constant-pool entry once resolved.
#[derive(Clone)]
pub enum Cached {
    Empty,
    Class(ClassId),
    Field(ClassId, u16),
    Static(ClassId, u16),
    Method(MethodId),
    Virtual { selector: u32, slots: u16, seen: ClassId, method: MethodId },
    Value(Value),
    Site(Arc<CallSite>),
}

pub struct Class {
    pub name: Box<str>,
    pub super_class: Option<ClassId>,
    pub interfaces: Vec<ClassId>,
    pub flags: u16,
    pub file: Option<Arc<ClassFile>>,
    /// Instance fields, inherited ones first: (name, descriptor). An object's field i is slot i.
    pub fields: Vec<(Box<str>, Box<str>)>,
    pub static_fields: Vec<(Box<str>, Box<str>)>,
    pub statics: Vec<Value>,
    pub methods: Vec<MethodId>,
    pub dispatch: SortedMap<u32, Option<MethodId>>,
    pub init: Init,
    pub cache: Vec<Cached>,
    /// An array class's element type descriptor (`I`, `Ljava/lang/String;`, `[J`...).
    pub element: Option<Box<str>>,
    /// The java.lang.Class object for it, once asked for.
    pub mirror: Ref,
}

impl Machine {
    /// The code of a method that has bytecode.
    pub(crate) fn code(&self, method: MethodId) -> Option<&Arc<Code>> {
        match &self.methods.get(method as usize)?.body {
            Body::Bytecode(code) => Some(code),
            _ => None,
        }
    }
}

impl Class {
    pub fn is_interface(&self) -> bool {
        self.flags & access::INTERFACE != 0
    }
}

pub(crate) struct Frame {
    pub method: MethodId,
    pub class: ClassId,
    pub pc: usize,
    /// The first local's index on the value stack.
    pub base: usize,
    /// The object whose monitor a synchronized method holds (0: none).
    pub lock: Ref,
}

/// Classes the interpreter names itself.
#[derive(Default, Clone, Copy)]
pub struct Known {
    pub object: ClassId,
    pub string: ClassId,
    pub class: ClassId,
    pub throwable: ClassId,
    pub out_of_memory: Ref,
}

pub struct Machine {
    pub host: Arc<dyn Host>,
    source: Box<dyn ClassSource>,
    pub config: Config,
    pub classes: Vec<Class>,
    by_name: SortedMap<Box<str>, ClassId>,
    pub methods: Vec<Method>,
    selectors: crate::numbered::Selectors,
    pub heap: Heap,
    pub(crate) stack: Vec<Value>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) interned: crate::numbered::Numbered<(Vec<u16>, Ref)>,
    /// Boxes of small values (Integer.valueOf(-128..127) and the like), shared as in Java.
    pub(crate) boxes: SortedMap<(u8, i64), Ref>,
    /// The classes of Boolean, Byte, Character, Short, Integer, Long, Float, Double, once loaded.
    pub(crate) box_classes: [Option<ClassId>; 8],
    /// Objects natives made and hold only in Rust variables: roots until the native returns.
    pub(crate) pins: Vec<Ref>,
    pub(crate) native_depth: usize,
    /// True while a native method runs: what it allocates is pinned until it returns.
    pub(crate) pinning: bool,
    pub known: Known,
    lambdas: u32,
    /// Bytes written to System.out not yet handed to the host (flushed at newline and exit).
    pub(crate) out: Vec<u8>,
    /// Java threads: the state of those not running now, their Thread objects, monitors.
    pub(crate) threads: crate::threads::Threads,
}

impl Machine {
    pub(crate) fn new(host: Arc<dyn Host>, source: Box<dyn ClassSource>, config: Config) -> Machine {
        let mut vm = Machine {
            host,
            source,
            config,
            classes: Vec::new(),
            by_name: SortedMap::new(),
            methods: Vec::new(),
            selectors: Default::default(),
            heap: Heap::new(config.heap_bytes),
            stack: Vec::with_capacity(1024),
            frames: Vec::new(),
            interned: Default::default(),
            boxes: SortedMap::new(),
            box_classes: [None; 8],
            pins: Vec::new(),
            native_depth: 0,
            pinning: false,
            known: Known::default(),
            lambdas: 0,
            out: Vec::new(),
            threads: crate::threads::Threads::default(),
        };
        let lookup = |vm: &mut Machine, name: &str| vm.load(name).unwrap_or(0);
        vm.known.object = lookup(&mut vm, "java/lang/Object");
        vm.known.string = lookup(&mut vm, "java/lang/String");
        vm.known.class = lookup(&mut vm, "java/lang/Class");
        vm.known.throwable = lookup(&mut vm, "java/lang/Throwable");
        if let Ok(class) = vm.load("java/lang/OutOfMemoryError") {
            let fields = vm.classes[class as usize].fields.len();
            let message = vm.string("Java heap space");
            let error = vm.heap.insert(class, vec![Value::NULL; fields].into(), Native::Trace(Vec::new()));
            if let Some(object) = vm.heap.get_mut(error) {
                object.fields[0] = Value::Ref(message);
            }
            vm.known.out_of_memory = error;
        }
        vm
    }

    /// A machine with nothing in it: what a Java thread holds while another has the real one.
    pub(crate) fn stand_in(host: Arc<dyn Host>) -> Machine {
        struct Nothing;
        impl ClassSource for Nothing {
            fn find(&self, _: &str) -> Option<&[u8]> {
                None
            }
        }
        Machine {
            host,
            source: Box::new(Nothing),
            config: Config::default(),
            classes: Vec::new(),
            by_name: SortedMap::new(),
            methods: Vec::new(),
            selectors: Default::default(),
            heap: Heap::new(0),
            stack: Vec::new(),
            frames: Vec::new(),
            interned: Default::default(),
            boxes: SortedMap::new(),
            box_classes: [None; 8],
            pins: Vec::new(),
            native_depth: 0,
            pinning: false,
            known: Known::default(),
            lambdas: 0,
            out: Vec::new(),
            threads: crate::threads::Threads::default(),
        }
    }

    // ---- Names -------------------------------------------------------------------------

    pub fn selector(&mut self, name: &str, descriptor: &str) -> u32 {
        self.selectors.number(name, descriptor)
    }

    pub fn class_name(&self, class: ClassId) -> &str {
        &self.classes[class as usize].name
    }

    /// The class of a non-null reference (the Object class for a dangling one, which cannot happen).
    #[inline]
    pub fn class_of(&self, reference: Ref) -> ClassId {
        self.heap.get(reference).map_or(self.known.object, |object| object.class)
    }

    // ---- Loading and linking -------------------------------------------------------------

    /// The class named `name` (internal form), loaded, verified and linked on first use (not
    /// initialised: see [`Vm::initialise`]).
    pub fn load(&mut self, name: &str) -> Result<ClassId, LinkError> {
        match self.by_name.get(name) {
            Some(&BEING_DEFINED) => return Err(LinkError::Circularity(String::from(name))),
            Some(id) => return Ok(*id),
            None => {}
        }
        if name.starts_with('[') {
            return self.array_class(name);
        }
        if let Some(library) = crate::lang::library_class(name) {
            return self.define_library(library);
        }
        let bytes = self.source.find(name).ok_or_else(|| LinkError::NoClass(String::from(name)))?;
        let file = classfile::parse(bytes).map_err(|e| e.within(name))?;
        if &*file.name != name {
            return Err(LinkError::NoClass(format!("{name} (wrong name: {})", file.name)));
        }
        crate::verify::verify_class(&file)?;
        self.define(Arc::new(file))
    }

    fn array_class(&mut self, name: &str) -> Result<ClassId, LinkError> {
        let element = name.get(1..).unwrap_or_default();
        if crate::descriptor::field_kind(element).is_none() {
            return Err(LinkError::NoClass(String::from(name)));
        }
        if let Some(inner) = element.strip_prefix('L').and_then(|e| e.strip_suffix(';')) {
            self.load(inner)?;
        } else if element.starts_with('[') {
            self.load(element)?;
        }
        let object = self.load("java/lang/Object")?;
        let mut interfaces = Vec::new();
        for interface in ["java/lang/Cloneable", "java/io/Serializable"] {
            interfaces.push(self.load(interface)?);
        }
        let id = self.classes.len() as ClassId;
        self.classes.push(Class {
            name: name.into(),
            super_class: Some(object),
            interfaces,
            flags: access::PUBLIC | access::FINAL | access::ABSTRACT,
            file: None,
            fields: Vec::new(),
            static_fields: Vec::new(),
            statics: Vec::new(),
            methods: Vec::new(),
            dispatch: SortedMap::new(),
            init: Init::Done,
            cache: Vec::new(),
            element: Some(element.into()),
            mirror: 0,
        });
        self.by_name.insert(name.into(), id);
        Ok(id)
    }

    fn new_class(
        &mut self,
        name: &str,
        super_name: Option<&str>,
        interface_names: &[&str],
        flags: u16,
    ) -> Result<ClassId, LinkError> {
        let super_class = match super_name {
            Some(parent) => {
                let parent_id = self.load(parent)?;
                if self.classes[parent_id as usize].is_interface() {
                    return Err(LinkError::Incompatible(format!("class {name} has interface {parent} as super class")));
                }
                Some(parent_id)
            }
            None if name == "java/lang/Object" => None,
            None => return Err(LinkError::Format(format!("{name} has no super class"))),
        };
        let mut interfaces = Vec::new();
        for interface in interface_names {
            let id = self.load(interface)?;
            if !self.classes[id as usize].is_interface() {
                return Err(LinkError::Incompatible(format!(
                    "class {name} can not implement {interface}, because it is not an interface"
                )));
            }
            interfaces.push(id);
        }
        let fields = super_class.map(|parent| self.classes[parent as usize].fields.clone()).unwrap_or_default();
        let id = self.classes.len() as ClassId;
        self.classes.push(Class {
            name: name.into(),
            super_class,
            interfaces,
            flags,
            file: None,
            fields,
            static_fields: Vec::new(),
            statics: Vec::new(),
            methods: Vec::new(),
            dispatch: SortedMap::new(),
            init: Init::No,
            cache: Vec::new(),
            element: None,
            mirror: 0,
        });
        self.by_name.insert(name.into(), id);
        Ok(id)
    }

    fn add_method(
        &mut self,
        class: ClassId,
        name: &str,
        descriptor: &str,
        flags: u16,
        body: Body,
    ) -> Result<MethodId, LinkError> {
        let signature =
            Signature::parse(descriptor).ok_or_else(|| LinkError::Format(format!("bad descriptor {descriptor}")))?;
        let this = if flags & access::STATIC == 0 { 1 } else { 0 };
        let selector = self.selector(name, descriptor);
        let id = self.methods.len() as MethodId;
        self.methods.push(Method {
            class,
            name: name.into(),
            descriptor: descriptor.into(),
            selector,
            flags,
            arg_slots: (signature.slots() + this) as u16,
            result: signature.result,
            body,
            spare: None,
        });
        self.classes[class as usize].methods.push(id);
        Ok(id)
    }

    fn define(&mut self, file: Arc<ClassFile>) -> Result<ClassId, LinkError> {
        if self.by_name.contains_key(&*file.name) {
            return Err(LinkError::Incompatible(format!(
                "class {} is defined twice (a superclass circularity?)",
                file.name
            )));
        }
        // Claim the name first, so a class that is its own ancestor is a ClassCircularityError.
        self.by_name.insert(file.name.clone(), BEING_DEFINED);
        let interfaces: Vec<&str> = file.interfaces.iter().map(|name| &**name).collect();
        let made = self.new_class(&file.name, file.super_name.as_deref(), &interfaces, file.access);
        let id = match made {
            Ok(id) => id,
            Err(error) => {
                self.by_name.remove(&*file.name);
                return Err(error);
            }
        };
        let pool = Pool(&file.pool);
        for field in &file.fields {
            if field.access & access::STATIC != 0 {
                let initial = match field.constant.map(|index| pool.get(index)) {
                    Some(Ok(Constant::Integer(v))) => Value::Int(*v),
                    Some(Ok(Constant::Long(v))) => Value::Long(*v),
                    Some(Ok(Constant::Float(v))) => Value::Float(*v),
                    Some(Ok(Constant::Double(v))) => Value::Double(*v),
                    Some(Ok(Constant::String(text))) => {
                        let text = pool.utf8(*text)?;
                        Value::Ref(self.string(text))
                    }
                    _ => Value::default_for(&field.descriptor),
                };
                let class = &mut self.classes[id as usize];
                class.static_fields.push((field.name.clone(), field.descriptor.clone()));
                class.statics.push(initial);
            } else {
                self.classes[id as usize].fields.push((field.name.clone(), field.descriptor.clone()));
            }
        }
        for method in &file.methods {
            let body = if let Some(code) = &method.code {
                Body::Bytecode(Arc::new(code.clone()))
            } else if method.access & access::NATIVE != 0 {
                Body::Missing
            } else {
                Body::Abstract
            };
            self.add_method(id, &method.name, &method.descriptor, method.access, body)?;
        }
        let class = &mut self.classes[id as usize];
        class.cache = vec![Cached::Empty; file.pool.len()];
        class.file = Some(file);
        Ok(id)
    }

    fn define_library(&mut self, library: crate::lang::LibraryClass) -> Result<ClassId, LinkError> {
        self.by_name.insert(library.name.into(), BEING_DEFINED);
        let made = self.new_class(library.name, library.super_name, library.interfaces, library.flags);
        let id = match made {
            Ok(id) => id,
            Err(error) => {
                self.by_name.remove(library.name);
                return Err(error);
            }
        };
        for (name, descriptor) in library.fields {
            self.classes[id as usize].fields.push(((*name).into(), (*descriptor).into()));
        }
        // StringBuffer is StringBuilder under another name: the same natives, its own types in
        // the descriptors. Its methods need no lock of their own: one thread runs Java code at
        // a time, and a native runs to its end before another thread can.
        let buffer = library.name == "java/lang/StringBuffer";
        for (name, descriptor, flags, native) in library.methods.iter() {
            if buffer {
                let renamed = descriptor.replace("Ljava/lang/StringBuilder;", "Ljava/lang/StringBuffer;");
                self.add_method(id, name, &renamed, flags, Body::Native(native))?;
            } else {
                self.add_method(id, name, descriptor, flags, Body::Native(native))?;
            }
        }
        for (name, descriptor) in library.statics {
            let class = &mut self.classes[id as usize];
            class.static_fields.push(((*name).into(), (*descriptor).into()));
            class.statics.push(Value::default_for(descriptor));
        }
        Ok(id)
    }

    /// Makes a class for a lambda: implements `interface` with one method.
    pub(crate) fn lambda_class(
        &mut self,
        interface: &str,
        name: &str,
        descriptor: &str,
        target: crate::lambda::Target,
        captured: &[&str],
    ) -> Result<ClassId, LinkError> {
        self.lambdas += 1;
        let class_name = format!("{}$$Lambda${}", target.owner_name, self.lambdas);
        let id = self.new_class(&class_name, Some("java/lang/Object"), &[interface], access::FINAL)?;
        for (index, descriptor) in captured.iter().enumerate() {
            self.classes[id as usize].fields.push((format!("arg${index}").into(), (*descriptor).into()));
        }
        self.classes[id as usize].init = Init::Done;
        self.add_method(id, name, descriptor, access::PUBLIC, Body::Lambda(Arc::new(target)))?;
        Ok(id)
    }

    /// Whether `class` is `ancestor` or extends or implements it.
    pub fn is_subclass(&self, class: ClassId, ancestor: ClassId) -> bool {
        if class == ancestor {
            return true;
        }
        let c = &self.classes[class as usize];
        if let (Some(element), Some(wanted)) = (&c.element, &self.classes[ancestor as usize].element) {
            // Arrays: covariant in reference elements.
            if (element.as_bytes()[0] == b'[' || element.as_bytes()[0] == b'L')
                && let (Some(e), Some(w)) =
                    (self.by_name.get(array_element_class(element)), self.by_name.get(array_element_class(wanted)))
            {
                let reference = |d: &str| d.starts_with('L') || d.starts_with('[');
                return reference(element) && reference(wanted) && self.is_subclass(*e, *w);
            }
            return false;
        }
        if c.super_class.is_some_and(|parent| self.is_subclass(parent, ancestor)) {
            return true;
        }
        c.interfaces.iter().any(|interface| self.is_subclass(*interface, ancestor))
    }

    pub fn instance_of(&self, reference: Ref, class: ClassId) -> bool {
        reference != 0 && self.is_subclass(self.class_of(reference), class)
    }

    /// The method `selector` of objects of `class`: its own or its superclasses', else an
    /// interface's default (cached per class).
    pub fn dispatch(&mut self, class: ClassId, selector: u32) -> Option<MethodId> {
        if let Some(found) = self.classes[class as usize].dispatch.get(&selector) {
            return *found;
        }
        let mut found = None;
        let mut at = Some(class);
        while let Some(c) = at {
            let methods = &self.classes[c as usize].methods;
            if let Some(m) = methods.iter().find(|m| {
                self.methods[**m as usize].selector == selector
                    && self.methods[**m as usize].flags & access::STATIC == 0
            }) {
                found = Some(*m);
                break;
            }
            at = self.classes[c as usize].super_class;
        }
        if found.is_none_or(|m| matches!(self.methods[m as usize].body, Body::Abstract))
            && let Some(default) = self.interface_method(class, selector)
        {
            found = Some(default);
        }
        self.classes[class as usize].dispatch.insert(selector, found);
        found
    }

    /// A non-abstract method `selector` in the interfaces `class` implements (directly or through
    /// its superclasses and superinterfaces).
    fn interface_method(&self, class: ClassId, selector: u32) -> Option<MethodId> {
        let mut pending = vec![class];
        let mut abstract_one = None;
        while let Some(c) = pending.pop() {
            let class = &self.classes[c as usize];
            if class.is_interface() {
                for m in &class.methods {
                    let method = &self.methods[*m as usize];
                    if method.selector == selector && method.flags & access::STATIC == 0 {
                        if matches!(method.body, Body::Abstract) {
                            abstract_one = Some(*m);
                        } else {
                            return Some(*m);
                        }
                    }
                }
            }
            pending.extend(class.interfaces.iter().copied());
            if let Some(parent) = class.super_class {
                pending.push(parent);
            }
        }
        abstract_one
    }

    /// The method a static or special call names: declared in `class` or inherited.
    pub fn resolve_method(&mut self, class: ClassId, name: &str, descriptor: &str) -> Result<MethodId, LinkError> {
        let selector = self.selector(name, descriptor);
        let mut at = Some(class);
        while let Some(c) = at {
            if let Some(m) =
                self.classes[c as usize].methods.iter().find(|m| self.methods[**m as usize].selector == selector)
            {
                return Ok(*m);
            }
            at = self.classes[c as usize].super_class;
        }
        if let Some(m) = self.interface_method(class, selector) {
            return Ok(m);
        }
        Err(LinkError::NoSuchMethod(format!("'{} {}.{}'", descriptor, self.class_name(class).replace('/', "."), name)))
    }

    fn resolve_field(
        &mut self,
        class: ClassId,
        name: &str,
        descriptor: &str,
        is_static: bool,
    ) -> Result<Cached, LinkError> {
        let mut pending = vec![class];
        while let Some(c) = pending.pop() {
            let k = &self.classes[c as usize];
            if is_static {
                if let Some(i) = k.static_fields.iter().position(|(n, d)| &**n == name && &**d == descriptor) {
                    return Ok(Cached::Static(c, i as u16));
                }
                pending.extend(k.interfaces.iter().copied());
            } else if let Some(i) = k.fields.iter().rposition(|(n, d)| &**n == name && &**d == descriptor) {
                return Ok(Cached::Field(class, i as u16));
            }
            if let Some(parent) = k.super_class {
                pending.push(parent);
            }
        }
        Err(LinkError::NoSuchField(String::from(name)))
    }
}

impl Vm {
    /// Runs `class`'s static initialiser (after its superclass's) unless it ran or is running.
    pub fn initialise(&mut self, class: ClassId) -> Result<(), Unwind> {
        match self.classes[class as usize].init {
            Init::Done => return Ok(()),
            // Recursive initialisation in the same thread sees the class as it is (JVMS 5.5).
            Init::Running(thread) if thread == self.thread => return Ok(()),
            Init::Running(_) => {
                // Another thread initialises it: wait for it to finish, then look again.
                self.wait_until(0, |vm| !matches!(vm.classes[class as usize].init, Init::Running(_)));
                return self.initialise(class);
            }
            Init::Failed => {
                let name = self.class_name(class).replace('/', ".");
                return Err(self.throw("java/lang/NoClassDefFoundError", &format!("Could not initialize class {name}")));
            }
            Init::No => {}
        }
        self.classes[class as usize].init = Init::Running(self.thread);
        if let Some(parent) = self.classes[class as usize].super_class
            && let Err(unwind) = self.initialise(parent)
        {
            self.classes[class as usize].init = Init::Failed;
            return Err(unwind);
        }
        let selector = self.selector("<clinit>", "()V");
        let clinit = self.classes[class as usize]
            .methods
            .iter()
            .copied()
            .find(|m| self.methods[*m as usize].selector == selector);
        let result = match clinit {
            Some(method) => self.invoke(method, &[]).map(|_| ()),
            None => crate::lang::initialise_library(self, class),
        };
        match result {
            Ok(()) => {
                self.classes[class as usize].init = Init::Done;
                Ok(())
            }
            Err(Unwind::Throw(exception)) => {
                self.classes[class as usize].init = Init::Failed;
                let error = self.known_class("java/lang/Error");
                if self.instance_of(exception, error) {
                    Err(Unwind::Throw(exception))
                } else {
                    self.pins.push(exception);
                    let wrapper = self.throw("java/lang/ExceptionInInitializerError", "");
                    self.pins.pop();
                    if let Unwind::Throw(w) = wrapper
                        && let Some(wrapped) = self.heap.get_mut(w)
                    {
                        wrapped.fields[1] = Value::Ref(exception);
                    }
                    Err(wrapper)
                }
            }
            Err(exit) => Err(exit),
        }
    }
}

impl Machine {
    pub(crate) fn known_class(&mut self, name: &str) -> ClassId {
        self.load(name).unwrap_or(self.known.throwable)
    }

    // ---- Objects --------------------------------------------------------------------------

    /// Makes room for `bytes` more: collects when due; Err(OutOfMemoryError) when even after a
    /// collection they do not fit.
    pub fn reserve(&mut self, bytes: usize) -> Result<(), Unwind> {
        if self.heap.fits_without_collecting(bytes) {
            return Ok(());
        }
        self.collect();
        if self.heap.fits(bytes) { Ok(()) } else { Err(Unwind::Throw(self.known.out_of_memory)) }
    }

    /// Runs the collector now.
    pub fn collect(&mut self) {
        let mut roots: Vec<Ref> = Vec::new();
        roots.extend(self.stack.iter().filter_map(|v| if let Value::Ref(r) = v { Some(*r) } else { None }));
        for class in &self.classes {
            roots.extend(class.statics.iter().filter_map(|v| if let Value::Ref(r) = v { Some(*r) } else { None }));
            roots.push(class.mirror);
            for cached in &class.cache {
                if let Cached::Value(Value::Ref(r)) = cached {
                    roots.push(*r);
                }
            }
        }
        roots.extend(self.interned.iter().map(|(_, reference)| *reference));
        roots.extend(self.boxes.values().copied());
        roots.extend(self.pins.iter().copied());
        roots.push(self.known.out_of_memory);
        self.threads.roots(&mut roots);
        self.heap.collect(roots.into_iter());
    }

    /// Counts `bytes` more for an object that grew (a list, a builder, a map) and collects if a
    /// collection is due: the caller's references must be on the value stack or pinned.
    pub fn grew(&mut self, bytes: usize) {
        self.heap.grew(bytes);
        if !self.heap.fits_without_collecting(0) {
            self.collect();
        }
    }

    /// A new object (pinned while a native runs).
    pub fn allocate(&mut self, class: ClassId, native: Native) -> Result<Ref, Unwind> {
        let count = self.classes[class as usize].fields.len();
        self.reserve(Heap::estimate(count, &native))?;
        let fields: Box<[Value]> =
            self.classes[class as usize].fields.iter().map(|(_, d)| Value::default_for(d)).collect();
        let reference = self.heap.insert(class, fields, native);
        if self.pinning {
            self.pins.push(reference);
        }
        Ok(reference)
    }

    /// A new array of `length` elements of the array class `class`.
    pub fn new_array(&mut self, class: ClassId, length: i32) -> Result<Ref, Unwind> {
        if length < 0 {
            return Err(self.throw("java/lang/NegativeArraySizeException", &format!("{length}")));
        }
        let n = length as usize;
        let element = self.classes[class as usize].element.as_deref().map_or(b'I', |e| e.as_bytes()[0]);
        let size = match element {
            b'J' | b'D' => 8,
            b'I' | b'F' | b'L' | b'[' => 4,
            b'C' | b'S' => 2,
            _ => 1,
        };
        if !self.heap.fits(n.saturating_mul(size)) {
            self.collect();
            if !self.heap.fits(n.saturating_mul(size)) {
                return Err(Unwind::Throw(self.known.out_of_memory));
            }
        }
        let native = match element {
            b'I' => Native::Ints(vec![0; n]),
            b'J' => Native::Longs(vec![0; n]),
            b'F' => Native::Floats(vec![0.0; n]),
            b'D' => Native::Doubles(vec![0.0; n]),
            b'C' => Native::CharArray(vec![0; n]),
            b'S' => Native::Shorts(vec![0; n]),
            b'B' | b'Z' => Native::Bytes(vec![0; n]),
            _ => Native::Refs(vec![0; n]),
        };
        self.allocate(class, native)
    }

    /// A java.lang.String of `text`.
    pub fn string(&mut self, text: &str) -> Ref {
        self.string_of(text.encode_utf16().collect())
    }

    /// A java.lang.String of UTF-16 units. It collects when a collection is due; past the budget
    /// it is still made (a String the library builds cannot fail: the next allocation throws).
    pub fn string_of(&mut self, units: Vec<u16>) -> Ref {
        let native = Native::Chars(units);
        if !self.heap.fits_without_collecting(Heap::estimate(0, &native)) {
            self.collect();
        }
        let reference = self.heap.insert(self.known.string, Box::new([]), native);
        if self.pinning {
            self.pins.push(reference);
        }
        reference
    }

    /// The interned String for a constant.
    pub fn intern(&mut self, units: Vec<u16>) -> Ref {
        use crate::numbered::units_hash;
        let (heap, string) = (&mut self.heap, self.known.string);
        let number = self.interned.number(
            units_hash(&units),
            |(known, _)| *known == units,
            || (units.clone(), heap.insert(string, Box::new([]), Native::Chars(units.clone()))),
            |(units, _)| units_hash(units),
        );
        self.interned.get(number).map_or(0, |(_, reference)| *reference)
    }

    /// The UTF-16 units of a String (or StringBuilder); None for null or another object.
    pub fn chars(&self, reference: Ref) -> Option<&[u16]> {
        match self.heap.get(reference).map(|o| &o.native) {
            Some(Native::Chars(units)) => Some(units),
            _ => None,
        }
    }

    pub fn rust_string(&self, reference: Ref) -> String {
        self.chars(reference).map(String::from_utf16_lossy).unwrap_or_else(|| String::from("null"))
    }

    /// The java.lang.Class object for `class`.
    pub fn mirror(&mut self, class: ClassId) -> Result<Ref, Unwind> {
        let existing = self.classes[class as usize].mirror;
        if existing != 0 {
            return Ok(existing);
        }
        let mirror = self.heap.insert(self.known.class, Box::new([]), Native::Class(class));
        self.classes[class as usize].mirror = mirror;
        Ok(mirror)
    }

    /// A new exception of `class` with `message` (empty: none), ready to throw.
    pub fn throw(&mut self, class: &str, message: &str) -> Unwind {
        let id = self.known_class(class);
        let text = if message.is_empty() { 0 } else { self.string(message) };
        self.pins.push(text);
        let exception = match self.allocate(id, Native::None) {
            Ok(exception) => exception,
            Err(unwind) => return unwind,
        };
        self.pins.pop();
        let trace = self.trace();
        if let Some(object) = self.heap.get_mut(exception) {
            if let Some(slot) = object.fields.first_mut() {
                *slot = Value::Ref(text);
            }
            object.native = Native::Trace(trace);
        }
        Unwind::Throw(exception)
    }

    /// The current Java frames, innermost first: (method, pc).
    pub(crate) fn trace(&self) -> Vec<(u32, u32)> {
        self.frames.iter().rev().map(|f| (f.method, f.pc as u32)).collect()
    }

    pub fn link_error(&mut self, error: LinkError) -> Unwind {
        let class = error.java_class();
        let message = String::from(error.message());
        self.throw(class, &message)
    }

    /// An InternalError: a state the VM's own checks should have made impossible.
    pub fn internal(&mut self, what: &str) -> Unwind {
        self.throw("java/lang/InternalError", what)
    }

    pub fn null_pointer(&mut self) -> Unwind {
        self.throw("java/lang/NullPointerException", "")
    }

    /// `class` (an IndexOutOfBoundsException) with Java's message for `index` among `length`.
    pub fn out_of_bounds(&mut self, class: &str, index: i32, length: usize) -> Unwind {
        self.throw(class, &format!("Index {index} out of bounds for length {length}"))
    }
}

impl Vm {
    // ---- Calls ----------------------------------------------------------------------------

    /// Calls `method` with `args` (slots, `this` first) from Rust and runs it to its end.
    pub fn invoke(&mut self, method: MethodId, args: &[Value]) -> Outcome {
        if self.native_depth >= self.config.max_native_depth {
            return Err(self.throw("java/lang/StackOverflowError", ""));
        }
        self.native_depth += 1;
        let pinning = core::mem::replace(&mut self.pinning, false);
        let result = self.invoke_inner(method, args);
        self.pinning = pinning;
        self.native_depth -= 1;
        if pinning && let Ok(Some(Value::Ref(r))) = result {
            self.pins.push(r);
        }
        result
    }

    fn invoke_inner(&mut self, method: MethodId, args: &[Value]) -> Outcome {
        let depth = self.frames.len();
        let base = self.stack.len();
        self.stack.extend_from_slice(args);
        match self.enter(method, base)? {
            Entered::Done(value) => Ok(value),
            Entered::Frame => self.run(depth),
        }
    }

    /// Calls the method `name descriptor` of `receiver`'s class (virtual dispatch).
    pub fn call_virtual(&mut self, receiver: Ref, name: &str, descriptor: &str, args: &[Value]) -> Outcome {
        if receiver == 0 {
            return Err(self.null_pointer());
        }
        let selector = self.selector(name, descriptor);
        let class = self.class_of(receiver);
        let Some(method) = self.dispatch(class, selector) else {
            let message = format!("'{} {}.{}'", descriptor, self.class_name(class).replace('/', "."), name);
            return Err(self.throw("java/lang/AbstractMethodError", &message));
        };
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(Value::Ref(receiver));
        all.extend_from_slice(args);
        self.invoke(method, &all)
    }

    /// Starts `method` whose arguments are on the stack from `base`: a bytecode method gets a
    /// frame (run by the loop); a native one runs now.
    fn enter(&mut self, method: MethodId, base: usize) -> Result<Entered, Unwind> {
        let m = &self.methods.as_slice()[method as usize];
        match &m.body {
            Body::Bytecode(code) => {
                let needed = base + code.max_locals as usize + code.max_stack as usize;
                if self.frames.len() >= self.config.max_frames || needed > self.config.max_stack_slots {
                    self.stack.truncate(base);
                    return Err(self.throw("java/lang/StackOverflowError", ""));
                }
                let (class, flags) = (m.class, m.flags);
                let end = base + code.max_locals as usize;
                if self.stack.len() < end {
                    self.stack.resize(end, Value::Int(0));
                }
                let lock = if flags & access::SYNCHRONIZED == 0 {
                    0
                } else if flags & access::STATIC == 0 {
                    self.stack[base].reference()
                } else {
                    self.mirror(class)?
                };
                if lock != 0 {
                    self.monitor_enter(lock);
                }
                self.frames.push(Frame { method, class, pc: 0, base, lock });
                Ok(Entered::Frame)
            }
            Body::Native(native) => {
                let native = *native;
                // Library methods may count on a non-null `this`.
                if m.flags & access::STATIC == 0 && self.stack.get(base).is_none_or(|v| v.reference() == 0) {
                    self.stack.truncate(base);
                    return Err(self.null_pointer());
                }
                // The arguments leave the stack (the native may call Java code that uses it):
                // into a buffer here when they fit, as nearly all do, else onto the heap.
                let count = self.stack.len().saturating_sub(base);
                let mut near = [Value::Int(0); 8];
                let far: Vec<Value>;
                let args: &[Value] = if count <= near.len() {
                    near[..count].copy_from_slice(&self.stack[base..]);
                    &near[..count]
                } else {
                    far = self.stack[base..].to_vec();
                    &far
                };
                let result = self.native_call(|vm| native(vm, args));
                self.stack.truncate(base);
                match result {
                    Ok(value) => Ok(Entered::Done(value)),
                    Err(unwind) => Err(unwind),
                }
            }
            Body::Lambda(target) => {
                let target = target.clone();
                let args: Vec<Value> = self.stack[base..].to_vec();
                let result = self.native_call(|vm| crate::lambda::call(vm, &target, &args));
                self.stack.truncate(base);
                result.map(Entered::Done)
            }
            Body::Abstract => {
                let message = format!("'{} {}.{}'", m.descriptor, self.class_name(m.class).replace('/', "."), m.name);
                self.stack.truncate(base);
                Err(self.throw("java/lang/AbstractMethodError", &message))
            }
            Body::Missing => {
                let message = format!("'{} {}.{}'", m.descriptor, self.class_name(m.class).replace('/', "."), m.name);
                self.stack.truncate(base);
                Err(self.throw("java/lang/UnsatisfiedLinkError", &message))
            }
        }
    }

    /// Runs Rust code of the library: what it allocates is pinned until it returns.
    fn native_call(&mut self, run: impl FnOnce(&mut Self) -> Outcome) -> Outcome {
        let pinning = core::mem::replace(&mut self.pinning, true);
        let mark = self.pins.len();
        let result = run(self);
        self.pins.truncate(mark);
        self.pinning = pinning;
        result
    }

    /// Runs `class_name.main(String[])` with `args`: the program's exit code (0 when main
    /// returns, 1 after an uncaught exception, as `java`).
    pub fn run_main(&mut self, class_name: &str, args: &[&str]) -> i32 {
        let (code, exited) = self.start_main(class_name, args);
        self.flush();
        if !exited {
            self.wait_for_threads();
            self.flush();
        }
        code
    }

    /// The exit code, and whether it came from System.exit.
    fn start_main(&mut self, class_name: &str, args: &[&str]) -> (i32, bool) {
        let internal = class_name.replace('.', "/");
        let class = match self.load(&internal) {
            Ok(class) => class,
            Err(LinkError::NoClass(_)) => {
                self.error_line(&format!("Error: Could not find or load main class {class_name}\nCaused by: java.lang.ClassNotFoundException: {class_name}\n"));
                return (1, false);
            }
            Err(error) => {
                let text = format!(
                    "Exception in thread \"main\" {}: {}\n",
                    error.java_class().replace('/', "."),
                    error.message()
                );
                self.error_line(&text);
                return (1, false);
            }
        };
        let result = (|| -> Outcome {
            self.initialise(class)?;
            let string_array = self.load("[Ljava/lang/String;").map_err(|e| self.link_error(e))?;
            let array = self.new_array(string_array, args.len() as i32)?;
            self.pins.push(array);
            for (index, argument) in args.iter().enumerate() {
                let text = self.string(argument);
                if let Some(Native::Refs(items)) = self.heap.get_mut(array).map(|o| &mut o.native) {
                    items[index] = text;
                }
            }
            let main = self.resolve_method(class, "main", "([Ljava/lang/String;)V").ok();
            let main = main.filter(|m| {
                self.methods[*m as usize].flags & access::STATIC != 0 && self.methods[*m as usize].class == class
            });
            let Some(main) = main else {
                self.pins.clear();
                self.error_line(&format!(
                    "Error: Main method not found in class {class_name}, please define the main method as:\n   public static void main(String[] args)\n"
                ));
                return Err(Unwind::Exit(1));
            };
            self.pins.clear();
            self.invoke(main, &[Value::Ref(array)])
        })();
        match result {
            Ok(_) => (0, false),
            Err(Unwind::Exit(code)) => (code, true),
            Err(Unwind::Throw(exception)) => {
                self.flush();
                crate::lang::report_uncaught(self, exception, 0);
                (1, false)
            }
        }
    }

    pub(crate) fn error_line(&mut self, text: &str) {
        self.flush();
        self.host.write(true, text.as_bytes());
    }

    /// Hands System.out's pending bytes to the host.
    pub fn flush(&mut self) {
        if !self.out.is_empty() {
            let bytes = core::mem::take(&mut self.out);
            self.host.write(false, &bytes);
        }
    }

    // ---- The interpreter ------------------------------------------------------------------

    fn resolve_class(&mut self, class: ClassId, index: u16) -> Result<ClassId, Unwind> {
        if let Cached::Class(id) = self.classes[class as usize].cache[index as usize] {
            return Ok(id);
        }
        let file = self.classes[class as usize]
            .file
            .clone()
            .ok_or_else(|| self.internal("a library class has no constant pool"))?;
        let name = Pool(&file.pool).class_name(index).map_err(|e| self.link_error(e))?;
        let id = self.load(name).map_err(|e| self.link_error(e))?;
        self.classes[class as usize].cache[index as usize] = Cached::Class(id);
        Ok(id)
    }

    fn resolve_member(&mut self, class: ClassId, index: u16, opcode: u8) -> Result<Cached, Unwind> {
        let cached = &self.classes[class as usize].cache[index as usize];
        if !matches!(cached, Cached::Empty) {
            return Ok(cached.clone());
        }
        let file = self.classes[class as usize]
            .file
            .clone()
            .ok_or_else(|| self.internal("a library class has no constant pool"))?;
        let pool = Pool(&file.pool);
        let resolved = (|| -> Result<Cached, Unwind> {
            let (owner, name, descriptor) = pool.member(index).map_err(|e| self.link_error(e))?;
            let owner_id = self.load(owner).map_err(|e| self.link_error(e))?;
            match opcode {
                0xb2..=0xb5 => {
                    let is_static = opcode <= 0xb3;
                    let found =
                        self.resolve_field(owner_id, name, descriptor, is_static).map_err(|e| self.link_error(e))?;
                    if let Cached::Static(declaring, _) = found {
                        self.initialise(declaring)?;
                    }
                    Ok(found)
                }
                0xb6 | 0xb9 => {
                    let signature = Signature::parse(descriptor)
                        .ok_or_else(|| self.internal("a checked descriptor did not parse"))?;
                    let selector = self.selector(name, descriptor);
                    // A private or final method named by invokevirtual needs no dispatch, but the
                    // general path is right for it too.
                    Ok(Cached::Virtual { selector, slots: signature.slots() as u16 + 1, seen: u32::MAX, method: 0 })
                }
                _ => {
                    let method = self.resolve_method(owner_id, name, descriptor).map_err(|e| self.link_error(e))?;
                    let is_static = self.methods[method as usize].flags & access::STATIC != 0;
                    if is_static != (opcode == 0xb8) {
                        let message = format!(
                            "Expected {} method '{} {}.{}'",
                            if is_static { "non-static" } else { "static" },
                            descriptor,
                            owner.replace('/', "."),
                            name
                        );
                        return Err(self.throw("java/lang/IncompatibleClassChangeError", &message));
                    }
                    if opcode == 0xb8 {
                        let declaring = self.methods[method as usize].class;
                        self.initialise(declaring)?;
                    }
                    Ok(Cached::Method(method))
                }
            }
        })()?;
        self.classes[class as usize].cache[index as usize] = resolved.clone();
        Ok(resolved)
    }

    fn constant(&mut self, class: ClassId, index: u16) -> Result<Value, Unwind> {
        if let Cached::Value(value) = self.classes[class as usize].cache[index as usize] {
            return Ok(value);
        }
        let file = self.classes[class as usize]
            .file
            .clone()
            .ok_or_else(|| self.internal("a library class has no constant pool"))?;
        let pool = Pool(&file.pool);
        let value = match pool.get(index).map_err(|e| self.link_error(e))? {
            Constant::Integer(v) => Value::Int(*v),
            Constant::Float(v) => Value::Float(*v),
            Constant::Long(v) => Value::Long(*v),
            Constant::Double(v) => Value::Double(*v),
            Constant::String(text) => {
                let text = pool.utf8(*text).map_err(|e| self.link_error(e))?;
                Value::Ref(self.intern(text.encode_utf16().collect()))
            }
            Constant::Class(_) => {
                let id = self.resolve_class(class, index)?;
                Value::Ref(self.mirror(id)?)
            }
            _ => {
                return Err(
                    self.throw("java/lang/UnsupportedOperationException", "ldc of a method handle or method type")
                );
            }
        };
        self.classes[class as usize].cache[index as usize] = Cached::Value(value);
        Ok(value)
    }

    /// Runs frames until the one below `depth` returns; its value.
    pub(crate) fn run(&mut self, depth: usize) -> Outcome {
        loop {
            match self.execute(depth) {
                Ok(value) => return Ok(value),
                Err(Unwind::Exit(code)) => {
                    return Err(Unwind::Exit(code));
                }
                Err(Unwind::Throw(exception)) => {
                    if !self.catch(exception, depth) {
                        return Err(Unwind::Throw(exception));
                    }
                }
            }
        }
    }

    /// Finds a handler for `exception` in the frames above `depth`, unwinding to it; false when
    /// none (the frames above `depth` are gone).
    fn catch(&mut self, exception: Ref, depth: usize) -> bool {
        // Loading a catch type may allocate (and collect): the exception stays a root meanwhile.
        self.pins.push(exception);
        let caught = self.find_handler(exception, depth);
        if let Some(at) = self.pins.iter().rposition(|pinned| *pinned == exception) {
            self.pins.remove(at);
        }
        caught
    }

    fn find_handler(&mut self, exception: Ref, depth: usize) -> bool {
        let class = self.class_of(exception);
        while self.frames.len() > depth {
            let Some(frame) = self.frames.last() else { break };
            let (pc, owner, code, base) = (frame.pc, frame.class, self.code(frame.method).cloned(), frame.base);
            for handler in code.iter().flat_map(|code| code.handlers.iter()) {
                if !(handler.start as usize..handler.end as usize).contains(&pc) {
                    continue;
                }
                let matches = handler.catch == 0
                    || match self.resolve_class(owner, handler.catch) {
                        Ok(catch) => self.is_subclass(class, catch),
                        Err(_) => false,
                    };
                if matches {
                    self.stack.truncate(base + code.as_ref().map_or(0, |code| code.max_locals as usize));
                    self.stack.push(Value::Ref(exception));
                    if let Some(frame) = self.frames.last_mut() {
                        frame.pc = handler.handler as usize;
                    }
                    return true;
                }
            }
            if let Some(frame) = self.frames.pop()
                && frame.lock != 0
            {
                let _ = self.monitor_exit(frame.lock);
            }
            self.stack.truncate(base);
        }
        false
    }
}

enum Entered {
    Frame,
    Done(Option<Value>),
}

/// The class name an array's element names: `Ljava/lang/String;` -> `java/lang/String`, `[I` -> `[I`.
fn array_element_class(element: &str) -> &str {
    element.strip_prefix('L').and_then(|e| e.strip_suffix(';')).unwrap_or(element)
}

/// Java's `(int)` of a float or double: NaN is 0, out of range saturates.
pub fn to_int(v: f64) -> i32 {
    if v.is_nan() { 0 } else { v.clamp(i32::MIN as f64, i32::MAX as f64) as i32 }
}
pub fn to_long(v: f64) -> i64 {
    // Rust's `as` already saturates and maps NaN to 0, as Java does.
    v as i64
}

mod interpreter;
pub use interpreter::array_of;
