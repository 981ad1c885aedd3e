//! Why a class cannot be used: each maps to the Java error the program sees.

use alloc::string::String;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// The bytes are not a well-formed class file: `ClassFormatError`.
    Format(String),
    /// The class file is newer than Java 17: `UnsupportedClassVersionError`.
    Unsupported(String),
    /// A method's code is not type-safe or not well-formed: `VerifyError`.
    Verify(String),
    /// A class that is not in the image nor in the class library: `NoClassDefFoundError`.
    NoClass(String),
    /// A native method the class library lacks: `UnsatisfiedLinkError`.
    Unsatisfied(String),
    /// A field or method that does not exist: `NoSuchFieldError` / `NoSuchMethodError`.
    NoSuchField(String),
    NoSuchMethod(String),
    /// A class is its own superclass, or extends an interface, or similar: `IncompatibleClassChangeError`.
    Incompatible(String),
    /// A class that is its own ancestor: `ClassCircularityError`.
    Circularity(String),
}

impl LinkError {
    pub(crate) fn format(message: &str) -> LinkError {
        LinkError::Format(String::from(message))
    }
    pub(crate) fn format_owned(message: String) -> LinkError {
        LinkError::Format(message)
    }
    pub(crate) fn verify(message: &str) -> LinkError {
        LinkError::Verify(String::from(message))
    }

    /// The Java class of the error a program sees.
    pub fn java_class(&self) -> &'static str {
        match self {
            LinkError::Format(_) => "java/lang/ClassFormatError",
            LinkError::Unsupported(_) => "java/lang/UnsupportedClassVersionError",
            LinkError::Verify(_) => "java/lang/VerifyError",
            LinkError::NoClass(_) => "java/lang/NoClassDefFoundError",
            LinkError::Unsatisfied(_) => "java/lang/UnsatisfiedLinkError",
            LinkError::NoSuchField(_) => "java/lang/NoSuchFieldError",
            LinkError::NoSuchMethod(_) => "java/lang/NoSuchMethodError",
            LinkError::Incompatible(_) => "java/lang/IncompatibleClassChangeError",
            LinkError::Circularity(_) => "java/lang/ClassCircularityError",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            LinkError::Format(m)
            | LinkError::Unsupported(m)
            | LinkError::Verify(m)
            | LinkError::NoClass(m)
            | LinkError::Unsatisfied(m)
            | LinkError::NoSuchField(m)
            | LinkError::NoSuchMethod(m)
            | LinkError::Incompatible(m)
            | LinkError::Circularity(m) => m,
        }
    }

    /// The same error with `context` (a class or method) in front of its message.
    pub fn within(self, context: &str) -> LinkError {
        let wrap = |m: String| alloc::format!("{context}: {m}");
        match self {
            LinkError::Format(m) => LinkError::Format(wrap(m)),
            LinkError::Unsupported(m) => LinkError::Unsupported(wrap(m)),
            LinkError::Verify(m) => LinkError::Verify(wrap(m)),
            other => other,
        }
    }
}
