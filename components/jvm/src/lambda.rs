//! invokedynamic: the three bootstraps javac 17 emits for ordinary code.
//! - `StringConcatFactory.makeConcatWithConstants` (and `makeConcat`): `"a" + x + "b"`. The
//!   recipe is kept per call site and run here, with Java's text for every type.
//! - `LambdaMetafactory.metafactory` (and `altMetafactory`): lambdas and method references. Each
//!   call site gets a class implementing the functional interface; an object of it carries the
//!   captured values, and its one method calls the target, adapting arguments and result the way
//!   `MethodHandle.asType` does (boxing, unboxing, widening).
//! - `ObjectMethods.bootstrap`: a record's `toString`, `equals` and `hashCode`, from its
//!   components' fields, with the JDK's text (`Point[x=1, y=2]`), comparisons (floats and
//!   doubles as `compare` does them, references by `equals`) and hash (`31 * h + hash(c)`).

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::classfile::{Constant, Pool};
use crate::descriptor::split;
use crate::heap::{Native, Ref, Value};
use crate::threads::Vm;
use crate::vm::{Cached, ClassId, MethodId, Outcome, Unwind};

pub enum CallSite {
    Concat {
        recipe: Vec<Piece>,
        parameters: Vec<Box<str>>,
    },
    Lambda {
        class: ClassId,
        parameters: Vec<Box<str>>,
    },
    Record {
        method: RecordMethod,
        class: ClassId,
        name: Box<str>,
        components: Vec<Component>,
        parameters: Vec<Box<str>>,
    },
}

#[derive(Clone, Copy, PartialEq)]
pub enum RecordMethod {
    ToString,
    Equals,
    HashCode,
}

/// A record component: its name, its field's slot in the record's objects, its descriptor.
pub struct Component {
    name: Box<str>,
    slot: usize,
    descriptor: Box<str>,
}

pub enum Piece {
    Text(Vec<u16>),
    Argument(usize),
}

/// What a lambda's method calls.
pub struct Target {
    /// The class that made it (for the lambda class's name).
    pub owner_name: Box<str>,
    pub how: How,
    /// The target's parameter descriptors, with the receiver first for instance methods.
    pub parameters: Vec<Box<str>>,
    pub result: Box<str>,
    /// The interface method's parameter and result descriptors (erased).
    pub interface_parameters: Vec<Box<str>>,
    pub interface_result: Box<str>,
    /// Descriptors of the captured values (the lambda object's fields).
    pub captured: Vec<Box<str>>,
}

pub enum How {
    Static(MethodId),
    Special(MethodId),
    Virtual(Box<str>, Box<str>),
    New(ClassId, MethodId),
}

/// The call site at `index` of `class`'s pool, bootstrapped on first use.
pub fn site(vm: &mut Vm, class: ClassId, index: u16) -> Result<Arc<CallSite>, Unwind> {
    if let Cached::Site(site) = &vm.classes[class as usize].cache[index as usize] {
        return Ok(site.clone());
    }
    let file =
        vm.classes[class as usize].file.clone().ok_or_else(|| vm.internal("a library class has no constant pool"))?;
    let made = bootstrap(vm, &file, index).map_err(|message| vm.throw("java/lang/BootstrapMethodError", &message))?;
    let site = Arc::new(made);
    vm.classes[class as usize].cache[index as usize] = Cached::Site(site.clone());
    Ok(site)
}

fn bootstrap(vm: &mut Vm, file: &crate::classfile::ClassFile, index: u16) -> Result<CallSite, String> {
    let pool = Pool(&file.pool);
    let bad = |_| String::from("malformed invokedynamic");
    let Ok(Constant::InvokeDynamic(which, nat)) = pool.get(index) else {
        return Err(String::from("not an invokedynamic constant"));
    };
    let (name, descriptor) = pool.name_and_type(*nat).map_err(bad)?;
    let bootstrap = file.bootstrap.get(*which as usize).ok_or("missing bootstrap method")?;
    let Ok(Constant::MethodHandle(_, reference)) = pool.get(bootstrap.method) else {
        return Err(String::from("bootstrap is not a method handle"));
    };
    let (owner, method, _) = pool.member(*reference).map_err(bad)?;
    let (parameters, result) = split(descriptor).ok_or("bad call-site descriptor")?;
    let parameters: Vec<Box<str>> = parameters.into_iter().map(Box::from).collect();
    match (owner, method) {
        ("java/lang/invoke/StringConcatFactory", "makeConcatWithConstants" | "makeConcat") => {
            let mut constants = Vec::new();
            for argument in bootstrap.arguments.iter() {
                match pool.get(*argument).map_err(bad)? {
                    Constant::String(text) => constants.push(pool.utf8(*text).map_err(bad)?),
                    Constant::Integer(_) | Constant::Long(_) | Constant::Float(_) | Constant::Double(_) => {
                        return Err(String::from("numeric concat constants are not supported"));
                    }
                    _ => return Err(String::from("bad concat constant")),
                }
            }
            let recipe = if method == "makeConcat" {
                (0..parameters.len()).map(Piece::Argument).collect()
            } else {
                parse_recipe(constants.first().copied().ok_or("no concat recipe")?, &constants[1..], parameters.len())?
            };
            Ok(CallSite::Concat { recipe, parameters })
        }
        ("java/lang/invoke/LambdaMetafactory", "metafactory" | "altMetafactory") => {
            let arguments = &bootstrap.arguments;
            if arguments.len() < 3 {
                return Err(String::from("metafactory needs three arguments"));
            }
            let Ok(Constant::MethodType(erased)) = pool.get(arguments[0]) else {
                return Err(String::from("bad metafactory arguments"));
            };
            let erased = pool.utf8(*erased).map_err(bad)?;
            let Ok(Constant::MethodHandle(kind, target)) = pool.get(arguments[1]) else {
                return Err(String::from("bad metafactory arguments"));
            };
            let (target_owner, target_name, target_descriptor) = pool.member(*target).map_err(bad)?;
            let interface = result
                .strip_prefix('L')
                .and_then(|r| r.strip_suffix(';'))
                .ok_or("a lambda's type is not an interface")?;
            let owner_id = vm.load(target_owner).map_err(|e| String::from(e.message()))?;
            let (mut target_parameters, target_result) = split(target_descriptor).ok_or("bad target descriptor")?;
            let receiver = format!("L{target_owner};");
            let how = match kind {
                6 => How::Static(
                    vm.resolve_method(owner_id, target_name, target_descriptor)
                        .map_err(|e| String::from(e.message()))?,
                ),
                7 => {
                    target_parameters.insert(0, &receiver);
                    How::Special(
                        vm.resolve_method(owner_id, target_name, target_descriptor)
                            .map_err(|e| String::from(e.message()))?,
                    )
                }
                5 | 9 => {
                    target_parameters.insert(0, &receiver);
                    How::Virtual(target_name.into(), target_descriptor.into())
                }
                8 => How::New(
                    owner_id,
                    vm.resolve_method(owner_id, "<init>", target_descriptor).map_err(|e| String::from(e.message()))?,
                ),
                _ => return Err(format!("method handle kind {kind} in a lambda is not supported")),
            };
            let target_result: Box<str> = if *kind == 8 { receiver.as_str().into() } else { target_result.into() };
            let (interface_parameters, interface_result) = split(erased).ok_or("bad interface descriptor")?;
            let captured_names: Vec<&str> = parameters.iter().map(|p| &**p).collect();
            let target = Target {
                owner_name: file.name.clone(),
                how,
                parameters: target_parameters.into_iter().map(Box::from).collect(),
                result: target_result,
                interface_parameters: interface_parameters.into_iter().map(Box::from).collect(),
                interface_result: interface_result.into(),
                captured: parameters.clone(),
            };
            if target.captured.len() + target.interface_parameters.len() != target.parameters.len() {
                return Err(String::from("a lambda's arguments do not match its target"));
            }
            let class = vm
                .lambda_class(interface, name, erased, target, &captured_names)
                .map_err(|e| String::from(e.message()))?;
            Ok(CallSite::Lambda { class, parameters })
        }
        ("java/lang/runtime/ObjectMethods", "bootstrap") => {
            // The receiver (and for equals an Object) in, the method's own result out.
            let references = parameters.iter().all(|p| p.starts_with('L'));
            let method = match (name, result) {
                ("toString", "Ljava/lang/String;") if parameters.len() == 1 => RecordMethod::ToString,
                ("equals", "Z") if parameters.len() == 2 => RecordMethod::Equals,
                ("hashCode", "I") if parameters.len() == 1 => RecordMethod::HashCode,
                _ => return Err(String::from("ObjectMethods makes only toString, equals and hashCode")),
            };
            if !references {
                return Err(String::from("ObjectMethods takes the record and an Object"));
            }
            let arguments = &bootstrap.arguments;
            let (Some(Ok(Constant::Class(record))), Some(Ok(Constant::String(names)))) =
                (arguments.first().map(|a| pool.get(*a)), arguments.get(1).map(|a| pool.get(*a)))
            else {
                return Err(String::from("bad ObjectMethods arguments"));
            };
            let record_name = pool.utf8(*record).map_err(bad)?;
            let names = pool.utf8(*names).map_err(bad)?;
            let class = vm.load(record_name).map_err(|e| String::from(e.message()))?;
            let getters = &arguments[2..];
            let names: Vec<&str> = if names.is_empty() { Vec::new() } else { names.split(';').collect() };
            if names.len() != getters.len() {
                return Err(String::from("a record's component names do not match its getters"));
            }
            let mut components = Vec::with_capacity(names.len());
            for (component, getter) in names.into_iter().zip(getters) {
                let Ok(Constant::MethodHandle(1, field)) = pool.get(*getter) else {
                    return Err(String::from("a record's getter is not a field"));
                };
                let (_, field_name, field_descriptor) = pool.member(*field).map_err(bad)?;
                if crate::descriptor::field_kind(field_descriptor).is_none() {
                    return Err(String::from("a record's getter has a bad field descriptor"));
                }
                let slot = vm.classes[class as usize]
                    .fields
                    .iter()
                    .rposition(|(n, d)| &**n == field_name && &**d == field_descriptor)
                    .ok_or("a record's getter names a field it does not have")?;
                components.push(Component { name: component.into(), slot, descriptor: field_descriptor.into() });
            }
            Ok(CallSite::Record { method, class, name: simple_name(record_name).into(), components, parameters })
        }
        _ => Err(format!("bootstrap method {owner}.{method} is not supported")),
    }
}

/// `Class.getSimpleName` of a named class: `Point` for `p/Outer$Point` and for a local `p/Outer$1Point`.
fn simple_name(name: &str) -> &str {
    let name = name.rsplit('/').next().unwrap_or(name);
    match name.rsplit_once('$') {
        Some((_, inner)) => inner.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => name,
    }
}

fn parse_recipe(recipe: &str, constants: &[&str], count: usize) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut text: Vec<u16> = Vec::new();
    let (mut argument, mut constant) = (0, 0);
    for unit in recipe.encode_utf16() {
        match unit {
            1 | 2 => {
                if !text.is_empty() {
                    pieces.push(Piece::Text(core::mem::take(&mut text)));
                }
                if unit == 1 {
                    pieces.push(Piece::Argument(argument));
                    argument += 1;
                } else {
                    let value = constants.get(constant).ok_or("recipe names a missing constant")?;
                    pieces.push(Piece::Text(value.encode_utf16().collect()));
                    constant += 1;
                }
            }
            _ => text.push(unit),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    if argument != count {
        return Err(String::from("the concat recipe does not match its arguments"));
    }
    Ok(pieces)
}

/// Takes the call site's arguments off the stack: one value per parameter.
fn take_arguments(vm: &mut Vm, parameters: &[Box<str>]) -> Vec<Value> {
    let slots: usize = parameters.iter().map(|p| if matches!(p.as_bytes()[0], b'J' | b'D') { 2 } else { 1 }).sum();
    let at = vm.stack.len() - slots;
    let mut values = Vec::with_capacity(parameters.len());
    let mut i = at;
    for parameter in parameters {
        values.push(vm.stack[i]);
        i += if matches!(parameter.as_bytes()[0], b'J' | b'D') { 2 } else { 1 };
    }
    values
}

/// Runs an invokedynamic: its arguments are on the stack; the result.
pub fn invoke_site(vm: &mut Vm, site: &CallSite) -> Result<Value, Unwind> {
    match site {
        CallSite::Concat { recipe, parameters } => {
            // The arguments stay on the stack (as roots) while toString runs.
            let values = take_arguments(vm, parameters);
            let mut text: Vec<u16> = Vec::new();
            for piece in recipe {
                match piece {
                    Piece::Text(units) => text.extend_from_slice(units),
                    Piece::Argument(i) => {
                        let units = crate::lang::text_of(vm, values[*i], &parameters[*i])?;
                        text.extend_from_slice(&units);
                    }
                }
            }
            drop_arguments(vm, parameters);
            Ok(Value::Ref(vm.string_of(text)))
        }
        CallSite::Lambda { class, parameters } => {
            let values = take_arguments(vm, parameters);
            let object = vm.allocate(*class, Native::None)?;
            if let Some(o) = vm.heap.get_mut(object) {
                for (field, value) in o.fields.iter_mut().zip(values) {
                    *field = value;
                }
            }
            drop_arguments(vm, parameters);
            Ok(Value::Ref(object))
        }
        CallSite::Record { method, class, name, components, parameters } => {
            // The arguments stay on the stack (as roots) while equals, hashCode and toString run.
            let values = take_arguments(vm, parameters);
            let receiver = values.first().map_or(0, |v| v.reference());
            let other = values.get(1).map_or(0, |v| v.reference());
            if receiver == 0 {
                return Err(vm.null_pointer());
            }
            let result = record_method(vm, *method, *class, name, components, receiver, other)?;
            drop_arguments(vm, parameters);
            Ok(result)
        }
    }
}

/// A record's `toString`, `equals` or `hashCode` of `receiver` (and `other`), as the JDK's
/// `ObjectMethods` makes them.
fn record_method(
    vm: &mut Vm,
    method: RecordMethod,
    class: ClassId,
    name: &str,
    components: &[Component],
    receiver: Ref,
    other: Ref,
) -> Result<Value, Unwind> {
    let value = |vm: &Vm, object: Ref, c: &Component| crate::lang::field(vm, object, c.slot);
    match method {
        RecordMethod::ToString => {
            let mut text: Vec<u16> = name.encode_utf16().collect();
            text.push(u16::from(b'['));
            for (i, component) in components.iter().enumerate() {
                if i > 0 {
                    text.extend(", ".encode_utf16());
                }
                text.extend(component.name.encode_utf16());
                text.push(u16::from(b'='));
                let v = value(vm, receiver, component);
                text.extend(crate::lang::text_of(vm, v, &component.descriptor)?);
            }
            text.push(u16::from(b']'));
            Ok(Value::Ref(vm.string_of(text)))
        }
        RecordMethod::HashCode => {
            let mut hash: i32 = 0;
            for component in components {
                let v = value(vm, receiver, component);
                let h = match component.descriptor.as_bytes()[0] {
                    b'Z' => {
                        if v.int() != 0 {
                            1231
                        } else {
                            1237
                        }
                    }
                    b'J' => (v.long() ^ (v.long() >> 32 & 0xffff_ffff)) as i32,
                    b'F' => crate::lang::float_bits(v.float()),
                    b'D' => {
                        let bits = crate::lang::double_bits(v.double());
                        (bits ^ (bits >> 32 & 0xffff_ffff)) as i32
                    }
                    b'L' | b'[' => crate::lang::java_hash(vm, v.reference())?,
                    _ => v.int(),
                };
                hash = hash.wrapping_mul(31).wrapping_add(h);
            }
            Ok(Value::Int(hash))
        }
        RecordMethod::Equals => {
            if receiver == other {
                return Ok(Value::Int(1));
            }
            if other == 0 || !vm.instance_of(other, class) {
                return Ok(Value::Int(0));
            }
            // The JDK's handle tests the last component first.
            for component in components.iter().rev() {
                let (a, b) = (value(vm, receiver, component), value(vm, other, component));
                let same = match component.descriptor.as_bytes()[0] {
                    b'J' => a.long() == b.long(),
                    b'F' => crate::lang::float_bits(a.float()) == crate::lang::float_bits(b.float()),
                    b'D' => crate::lang::double_bits(a.double()) == crate::lang::double_bits(b.double()),
                    b'L' | b'[' => crate::lang::java_equals(vm, a.reference(), b.reference())?,
                    _ => a.int() == b.int(),
                };
                if !same {
                    return Ok(Value::Int(0));
                }
            }
            Ok(Value::Int(1))
        }
    }
}

fn drop_arguments(vm: &mut Vm, parameters: &[Box<str>]) {
    let slots: usize = parameters.iter().map(|p| if matches!(p.as_bytes()[0], b'J' | b'D') { 2 } else { 1 }).sum();
    let n = vm.stack.len();
    vm.stack.truncate(n - slots);
}

/// Calls a lambda's target: `args` are the interface method's (the lambda object first).
pub fn call(vm: &mut Vm, target: &Target, args: &[Value]) -> Outcome {
    let this: Ref = args.first().map_or(0, |v| v.reference());
    let mut given: Vec<(Value, &str)> = Vec::new();
    if let Some(object) = vm.heap.get(this) {
        for (value, descriptor) in object.fields.iter().zip(&target.captured) {
            given.push((*value, descriptor));
        }
    }
    let mut i = 1;
    for descriptor in &target.interface_parameters {
        given.push((args.get(i).copied().unwrap_or(Value::NULL), descriptor));
        i += if matches!(descriptor.as_bytes()[0], b'J' | b'D') { 2 } else { 1 };
    }
    let mut slots: Vec<Value> = Vec::with_capacity(given.len() + 2);
    let fresh = if let How::New(class, _) = target.how {
        vm.initialise(class)?;
        let object = vm.allocate(class, Native::None)?;
        slots.push(Value::Ref(object));
        Some(object)
    } else {
        None
    };
    for ((value, from), to) in given.iter().zip(&target.parameters) {
        let converted = crate::lang::adapt(vm, *value, from, to)?;
        slots.push(converted);
        if matches!(to.as_bytes()[0], b'J' | b'D') {
            slots.push(Value::Int(0));
        }
    }
    let result = match &target.how {
        How::Static(method) | How::Special(method) => vm.invoke(*method, &slots)?,
        How::New(_, init) => {
            vm.invoke(*init, &slots)?;
            fresh.map(Value::Ref)
        }
        How::Virtual(name, descriptor) => {
            let receiver = slots.first().map_or(0, |v| v.reference());
            vm.call_virtual(receiver, name, descriptor, &slots[1..])?
        }
    };
    if &*target.interface_result == "V" {
        return Ok(None);
    }
    let value = result.unwrap_or(Value::NULL);
    Ok(Some(crate::lang::adapt(vm, value, &target.result, &target.interface_result)?))
}

#[cfg(test)]
mod tests {
    use super::simple_name;

    #[test]
    fn a_records_simple_name_is_javas() {
        assert_eq!(simple_name("Point"), "Point");
        assert_eq!(simple_name("shapes/Point"), "Point");
        assert_eq!(simple_name("shapes/Outer$Point"), "Point");
        assert_eq!(simple_name("Outer$Inner$Point"), "Point");
        // A record declared in a method: javac numbers it.
        assert_eq!(simple_name("Records$1Local"), "Local");
    }
}
