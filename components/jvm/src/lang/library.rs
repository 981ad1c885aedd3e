//! The table of library classes.

use super::boxes::*;
use super::classes::*;
use super::natives::{Natives, Packed, Raw, count, pack, text_length};
use super::*;

/// A class's native tables packed into one constant (see `natives.rs`).
macro_rules! natives {
    ($($table:expr),* $(,)?) => {{
        const TABLES: &[&[Raw]] = &[$($table),*];
        const PACKED: ([Packed; count(TABLES)], [u8; text_length(TABLES)]) =
            pack::<{ count(TABLES) }, { text_length(TABLES) }>(TABLES);
        Natives { entries: &PACKED.0, text: &PACKED.1 }
    }};
}

const fn class(
    name: &'static str,
    super_name: Option<&'static str>,
    interfaces: &'static [&'static str],
    flags: u16,
    fields: &'static [(&'static str, &'static str)],
    methods: Natives,
) -> LibraryClass {
    LibraryClass { name, super_name, interfaces, flags, fields, statics: &[], methods }
}

const fn interface(name: &'static str, interfaces: &'static [&'static str], methods: Natives) -> LibraryClass {
    LibraryClass {
        name,
        super_name: Some("java/lang/Object"),
        interfaces,
        flags: PUBLIC | INTERFACE | ABSTRACT,
        fields: &[],
        statics: &[],
        methods,
    }
}

// Shared by two classes each (StringBuilder and StringBuffer, Math and StrictMath): packed once.
const BUILDER_NATIVES: Natives = natives!(BUILDER);
const MATH_NATIVES: Natives = natives!(MATH);

const OBJECT_SUPER: Option<&str> = Some("java/lang/Object");
const NUMBER: Option<&str> = Some("java/lang/Number");
const COMPARABLE: &[&str] = &["java/lang/Comparable", "java/io/Serializable"];
const VALUE: &[(&str, &str)] = &[("value", "I")];
const LONG_VALUE: &[(&str, &str)] = &[("value", "J")];
const DOUBLE_VALUE: &[(&str, &str)] = &[("value", "D")];
const FLOAT_VALUE: &[(&str, &str)] = &[("value", "F")];

/// Throwable subclasses the VM and library throw, or programs name: (name, super class).
const EXCEPTIONS: &[(&str, &str)] = &[
    ("java/lang/Exception", "java/lang/Throwable"),
    ("java/lang/Error", "java/lang/Throwable"),
    ("java/lang/RuntimeException", "java/lang/Exception"),
    ("java/lang/ArithmeticException", "java/lang/RuntimeException"),
    ("java/lang/ArrayStoreException", "java/lang/RuntimeException"),
    ("java/lang/ClassCastException", "java/lang/RuntimeException"),
    ("java/lang/IllegalArgumentException", "java/lang/RuntimeException"),
    ("java/lang/NumberFormatException", "java/lang/IllegalArgumentException"),
    ("java/lang/IllegalThreadStateException", "java/lang/IllegalArgumentException"),
    ("java/lang/IllegalStateException", "java/lang/RuntimeException"),
    ("java/lang/IllegalMonitorStateException", "java/lang/RuntimeException"),
    ("java/lang/IndexOutOfBoundsException", "java/lang/RuntimeException"),
    ("java/lang/ArrayIndexOutOfBoundsException", "java/lang/IndexOutOfBoundsException"),
    ("java/lang/StringIndexOutOfBoundsException", "java/lang/IndexOutOfBoundsException"),
    ("java/lang/NegativeArraySizeException", "java/lang/RuntimeException"),
    ("java/lang/NullPointerException", "java/lang/RuntimeException"),
    ("java/lang/UnsupportedOperationException", "java/lang/RuntimeException"),
    ("java/lang/CloneNotSupportedException", "java/lang/Exception"),
    ("java/lang/InterruptedException", "java/lang/Exception"),
    ("java/lang/ReflectiveOperationException", "java/lang/Exception"),
    ("java/lang/ClassNotFoundException", "java/lang/ReflectiveOperationException"),
    ("java/util/NoSuchElementException", "java/lang/RuntimeException"),
    ("java/util/ConcurrentModificationException", "java/lang/RuntimeException"),
    ("java/util/IllegalFormatException", "java/lang/IllegalArgumentException"),
    ("java/util/UnknownFormatConversionException", "java/util/IllegalFormatException"),
    ("java/util/MissingFormatArgumentException", "java/util/IllegalFormatException"),
    ("java/util/IllegalFormatConversionException", "java/util/IllegalFormatException"),
    ("java/io/IOException", "java/lang/Exception"),
    ("java/io/UncheckedIOException", "java/lang/RuntimeException"),
    ("java/lang/VirtualMachineError", "java/lang/Error"),
    ("java/lang/OutOfMemoryError", "java/lang/VirtualMachineError"),
    ("java/lang/StackOverflowError", "java/lang/VirtualMachineError"),
    ("java/lang/InternalError", "java/lang/VirtualMachineError"),
    ("java/lang/AssertionError", "java/lang/Error"),
    ("java/lang/LinkageError", "java/lang/Error"),
    ("java/lang/ClassFormatError", "java/lang/LinkageError"),
    ("java/lang/UnsupportedClassVersionError", "java/lang/ClassFormatError"),
    ("java/lang/VerifyError", "java/lang/LinkageError"),
    ("java/lang/NoClassDefFoundError", "java/lang/LinkageError"),
    ("java/lang/ClassCircularityError", "java/lang/LinkageError"),
    ("java/lang/UnsatisfiedLinkError", "java/lang/LinkageError"),
    ("java/lang/ExceptionInInitializerError", "java/lang/LinkageError"),
    ("java/lang/BootstrapMethodError", "java/lang/LinkageError"),
    ("java/lang/IncompatibleClassChangeError", "java/lang/LinkageError"),
    ("java/lang/AbstractMethodError", "java/lang/IncompatibleClassChangeError"),
    ("java/lang/InstantiationError", "java/lang/IncompatibleClassChangeError"),
    ("java/lang/NoSuchFieldError", "java/lang/IncompatibleClassChangeError"),
    ("java/lang/NoSuchMethodError", "java/lang/IncompatibleClassChangeError"),
];

/// Interfaces known by name only: calls on them dispatch on the object's class.
const MARKERS: &[&str] = &[
    "java/lang/Comparable",
    "java/lang/CharSequence",
    "java/lang/Cloneable",
    "java/io/Serializable",
    "java/lang/Runnable",
    "java/lang/AutoCloseable",
    "java/io/Closeable",
    "java/util/RandomAccess",
    "java/util/Map$Entry",
    "java/util/Iterator",
    "java/util/ListIterator",
    "java/lang/constant/Constable",
    "java/util/function/Supplier",
    "java/util/function/BooleanSupplier",
    "java/util/function/IntSupplier",
    "java/util/function/LongSupplier",
    "java/util/function/DoubleSupplier",
    "java/util/function/BiConsumer",
    "java/util/function/IntConsumer",
    "java/util/function/IntFunction",
    "java/util/function/IntPredicate",
    "java/util/function/IntUnaryOperator",
    "java/util/function/IntBinaryOperator",
    "java/util/function/LongBinaryOperator",
    "java/util/function/DoubleBinaryOperator",
    "java/util/function/DoubleUnaryOperator",
    "java/util/function/ToIntFunction",
    "java/util/function/ToLongFunction",
    "java/util/function/ToDoubleFunction",
    "java/util/function/ToIntBiFunction",
    "java/util/function/BiPredicate",
    "java/util/function/ObjIntConsumer",
];

static LIBRARY: &[LibraryClass] = &[
    class("java/lang/Object", None, &[], PUBLIC, &[], natives!(OBJECT)),
    class(
        "java/lang/String",
        OBJECT_SUPER,
        &["java/lang/CharSequence", "java/lang/Comparable", "java/io/Serializable"],
        PUBLIC | FINAL,
        &[],
        natives!(STRING),
    ),
    class(
        "java/lang/StringBuilder",
        OBJECT_SUPER,
        &["java/lang/CharSequence", "java/io/Serializable"],
        PUBLIC | FINAL,
        &[],
        BUILDER_NATIVES,
    ),
    // StringBuilder's methods under StringBuffer's name and types (see `Machine::define_library`).
    class(
        "java/lang/StringBuffer",
        OBJECT_SUPER,
        &["java/lang/CharSequence", "java/io/Serializable"],
        PUBLIC | FINAL,
        &[],
        BUILDER_NATIVES,
    ),
    class("java/lang/Class", OBJECT_SUPER, &[], PUBLIC | FINAL, &[], natives!(CLASS)),
    LibraryClass {
        name: "java/lang/System",
        super_name: OBJECT_SUPER,
        interfaces: &[],
        flags: PUBLIC | FINAL,
        fields: &[],
        statics: &[("out", "Ljava/io/PrintStream;"), ("err", "Ljava/io/PrintStream;"), ("in", "Ljava/io/InputStream;")],
        methods: natives!(SYSTEM),
    },
    class(
        "java/io/PrintStream",
        OBJECT_SUPER,
        &[],
        PUBLIC,
        &[("fd", "I")],
        natives!(&PRINT, &PRINTLN, PRINT_STREAM_OTHER),
    ),
    class("java/lang/Math", OBJECT_SUPER, &[], PUBLIC | FINAL, &[], MATH_NATIVES),
    class("java/lang/StrictMath", OBJECT_SUPER, &[], PUBLIC | FINAL, &[], MATH_NATIVES),
    class(
        "java/lang/Number",
        OBJECT_SUPER,
        &["java/io/Serializable"],
        PUBLIC | ABSTRACT,
        &[],
        natives!(&[("<init>", "()V", PUBLIC, |_, _| ok_void())]),
    ),
    class("java/lang/Integer", NUMBER, COMPARABLE, PUBLIC | FINAL, VALUE, natives!(INTEGER, &INTEGER_COMMON)),
    class("java/lang/Long", NUMBER, COMPARABLE, PUBLIC | FINAL, LONG_VALUE, natives!(LONG, &LONG_COMMON)),
    class("java/lang/Double", NUMBER, COMPARABLE, PUBLIC | FINAL, DOUBLE_VALUE, natives!(DOUBLE, &DOUBLE_COMMON)),
    class("java/lang/Float", NUMBER, COMPARABLE, PUBLIC | FINAL, FLOAT_VALUE, natives!(FLOAT, &FLOAT_COMMON)),
    class("java/lang/Short", NUMBER, COMPARABLE, PUBLIC | FINAL, VALUE, natives!(SHORT, &SHORT_COMMON)),
    class("java/lang/Byte", NUMBER, COMPARABLE, PUBLIC | FINAL, VALUE, natives!(BYTE, &BYTE_COMMON)),
    class("java/lang/Character", OBJECT_SUPER, COMPARABLE, PUBLIC | FINAL, VALUE, natives!(CHARACTER)),
    LibraryClass {
        name: "java/lang/Boolean",
        super_name: OBJECT_SUPER,
        interfaces: COMPARABLE,
        flags: PUBLIC | FINAL,
        fields: VALUE,
        statics: &[("TRUE", "Ljava/lang/Boolean;"), ("FALSE", "Ljava/lang/Boolean;")],
        methods: natives!(BOOLEAN),
    },
    class(
        "java/lang/Enum",
        OBJECT_SUPER,
        COMPARABLE,
        PUBLIC | ABSTRACT,
        &[("name", "Ljava/lang/String;"), ("ordinal", "I")],
        natives!(ENUM),
    ),
    // The super class of records: their toString, equals and hashCode come by invokedynamic
    // (`lambda.rs`).
    class(
        "java/lang/Record",
        OBJECT_SUPER,
        &[],
        PUBLIC | ABSTRACT,
        &[],
        natives!(&[("<init>", "()V", PUBLIC, |_, _| ok_void())]),
    ),
    class("java/lang/Thread", OBJECT_SUPER, &["java/lang/Runnable"], PUBLIC, THREAD_FIELDS, natives!(THREAD)),
    class(
        "java/lang/Throwable",
        OBJECT_SUPER,
        &["java/io/Serializable"],
        PUBLIC,
        THROWABLE_FIELDS,
        natives!(THROWABLE_METHODS),
    ),
    class("java/util/Objects", OBJECT_SUPER, &[], PUBLIC | FINAL, &[], natives!(OBJECTS)),
    class("java/util/Arrays", OBJECT_SUPER, &[], PUBLIC, &[], natives!(crate::collections::ARRAYS)),
    class("java/util/Collections", OBJECT_SUPER, &[], PUBLIC, &[], natives!(crate::collections::COLLECTIONS)),
    interface("java/lang/Iterable", &[], natives!(crate::collections::ITERABLE)),
    interface("java/util/Collection", &["java/lang/Iterable"], natives!()),
    interface("java/util/List", &["java/util/Collection"], natives!(crate::collections::LIST_STATICS)),
    interface("java/util/Set", &["java/util/Collection"], natives!(crate::collections::SET_STATICS)),
    interface("java/util/Map", &[], natives!(crate::collections::MAP_STATICS)),
    interface("java/util/Comparator", &[], natives!(crate::collections::COMPARATOR)),
    interface("java/util/function/Function", &[], natives!(crate::collections::FUNCTION)),
    interface("java/util/function/BiFunction", &[], natives!(crate::collections::BI_FUNCTION)),
    interface(
        "java/util/function/UnaryOperator",
        &["java/util/function/Function"],
        natives!(crate::collections::UNARY),
    ),
    interface("java/util/function/BinaryOperator", &["java/util/function/BiFunction"], natives!()),
    interface("java/util/function/Predicate", &[], natives!(crate::collections::PREDICATE)),
    interface("java/util/function/Consumer", &[], natives!(crate::collections::CONSUMER)),
    class(
        "java/util/ArrayList",
        OBJECT_SUPER,
        &["java/util/List", "java/util/RandomAccess", "java/lang/Cloneable", "java/io/Serializable"],
        PUBLIC,
        &[],
        natives!(crate::collections::ARRAY_LIST),
    ),
    class(
        "java/util/ImmutableCollections$ListN",
        Some("java/util/ArrayList"),
        &[],
        FINAL,
        &[],
        natives!(crate::collections::IMMUTABLE),
    ),
    class(
        "java/util/Arrays$ArrayList",
        Some("java/util/ArrayList"),
        &[],
        FINAL,
        &[],
        natives!(crate::collections::FIXED_SIZE),
    ),
    class(
        "java/util/HashMap",
        OBJECT_SUPER,
        &["java/util/Map", "java/lang/Cloneable", "java/io/Serializable"],
        PUBLIC,
        &[],
        natives!(crate::collections::HASH_MAP),
    ),
    class(
        "java/util/ImmutableCollections$MapN",
        Some("java/util/HashMap"),
        &[],
        FINAL,
        &[],
        natives!(crate::collections::IMMUTABLE_MAP),
    ),
    class(
        "java/util/HashSet",
        OBJECT_SUPER,
        &["java/util/Set", "java/lang/Cloneable", "java/io/Serializable"],
        PUBLIC,
        &[],
        natives!(crate::collections::HASH_SET),
    ),
    class(
        "java/util/HashMap$View",
        OBJECT_SUPER,
        &["java/util/Set"],
        FINAL,
        &[("map", "Ljava/util/HashMap;"), ("kind", "I")],
        natives!(crate::collections::MAP_VIEW),
    ),
    class(
        "java/util/HashMap$Node",
        OBJECT_SUPER,
        &["java/util/Map$Entry"],
        FINAL,
        &[("key", "Ljava/lang/Object;"), ("value", "Ljava/lang/Object;"), ("map", "Ljava/util/HashMap;")],
        natives!(crate::collections::NODE),
    ),
    class(
        "java/util/Iterator$Of",
        OBJECT_SUPER,
        &["java/util/Iterator"],
        FINAL,
        &[],
        natives!(crate::collections::ITERATOR),
    ),
    class(
        "java/util/Comparator$Of",
        OBJECT_SUPER,
        &["java/util/Comparator"],
        FINAL,
        &[("kind", "I"), ("first", "Ljava/lang/Object;"), ("second", "Ljava/lang/Object;")],
        natives!(crate::collections::COMPARATOR_OF),
    ),
    class(
        "java/util/function$Of",
        OBJECT_SUPER,
        &[
            "java/util/function/Function",
            "java/util/function/BiFunction",
            "java/util/function/Predicate",
            "java/util/function/Consumer",
            "java/util/function/UnaryOperator",
        ],
        FINAL,
        &[("kind", "I"), ("first", "Ljava/lang/Object;"), ("second", "Ljava/lang/Object;")],
        natives!(crate::collections::FUNCTION_OF),
    ),
];

/// The library's class `name`, if it has one. The exceptions and marker interfaces are made
/// from their names here, not kept as tables of whole classes (8 KB of the image).
pub fn library_class(name: &str) -> Option<LibraryClass> {
    if let Some(class) = LIBRARY.iter().find(|class| class.name == name) {
        return Some(*class);
    }
    if let Some((name, super_name)) = EXCEPTIONS.iter().find(|(exception, _)| *exception == name) {
        return Some(class(name, Some(super_name), &[], PUBLIC, &[], Natives::NONE));
    }
    MARKERS.iter().find(|marker| **marker == name).map(|name| interface(name, &[], Natives::NONE))
}

/// A library class's static initialisation (the library has no `<clinit>` methods).
pub fn initialise_library(vm: &mut Vm, class: ClassId) -> Result<(), Unwind> {
    match vm.class_name(class) {
        "java/lang/System" => {
            let stream = vm.load("java/io/PrintStream").map_err(|e| vm.link_error(e))?;
            for (slot, fd) in [(0usize, 1), (1, 2)] {
                let object = vm.allocate(stream, Native::None)?;
                set_fields(vm, object, &[(0, Value::Int(fd))]);
                vm.classes[class as usize].statics[slot] = Value::Ref(object);
            }
        }
        "java/lang/Boolean" => {
            for (slot, truth) in [(0usize, 1), (1, 0)] {
                let object = box_value(vm, b'Z', Value::Int(truth))?;
                vm.classes[class as usize].statics[slot] = Value::Ref(object);
            }
        }
        _ => {}
    }
    Ok(())
}
