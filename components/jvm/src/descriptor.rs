//! Field and method descriptors (JVMS §4.3).

use alloc::vec::Vec;

/// What a value of a field type is on the operand stack (`boolean`, `byte`, `char`, `short`
/// are `Int` there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Long,
    Float,
    Double,
    Reference,
}

impl Kind {
    /// Slots it takes in the local variables.
    pub fn size(self) -> usize {
        match self {
            Kind::Long | Kind::Double => 2,
            _ => 1,
        }
    }
}

/// The length of the field type at the start of `text`, or None when it is not one.
fn field_length(text: &[u8]) -> Option<usize> {
    let mut at = 0;
    while text.get(at) == Some(&b'[') {
        at += 1;
        if at > 255 {
            return None;
        }
    }
    match *text.get(at)? {
        b'B' | b'C' | b'D' | b'F' | b'I' | b'J' | b'S' | b'Z' => Some(at + 1),
        b'L' => {
            let end = text[at..].iter().position(|b| *b == b';')?;
            (end > 1).then_some(at + end + 1)
        }
        _ => None,
    }
}

/// The kind of a whole field descriptor.
pub fn field_kind(descriptor: &str) -> Option<Kind> {
    let bytes = descriptor.as_bytes();
    (field_length(bytes)? == bytes.len()).then(|| kind_of(bytes))
}

fn kind_of(field: &[u8]) -> Kind {
    match field.first() {
        Some(b'J') => Kind::Long,
        Some(b'F') => Kind::Float,
        Some(b'D') => Kind::Double,
        Some(b'L' | b'[') => Kind::Reference,
        _ => Kind::Int,
    }
}

/// A method descriptor's parameter kinds and return kind (None: void).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub parameters: Vec<Kind>,
    pub result: Option<Kind>,
}

impl Signature {
    pub fn parse(descriptor: &str) -> Option<Signature> {
        let bytes = descriptor.as_bytes();
        if bytes.first() != Some(&b'(') {
            return None;
        }
        let mut at = 1;
        let mut parameters = Vec::new();
        while *bytes.get(at)? != b')' {
            let length = field_length(&bytes[at..])?;
            parameters.push(kind_of(&bytes[at..]));
            at += length;
        }
        at += 1;
        let rest = &bytes[at..];
        let result =
            if rest == b"V" { None } else { (field_length(rest)? == rest.len()).then(|| kind_of(rest))?.into() };
        Some(Signature { parameters, result })
    }

    /// Local-variable slots the parameters take.
    pub fn slots(&self) -> usize {
        self.parameters.iter().map(|kind| kind.size()).sum()
    }
}

/// The parameter types of a method descriptor as text, e.g. `["I", "Ljava/lang/String;"]`, and
/// its return type (`V` for void).
pub fn split(descriptor: &str) -> Option<(Vec<&str>, &str)> {
    let bytes = descriptor.as_bytes();
    if bytes.first() != Some(&b'(') {
        return None;
    }
    let mut at = 1;
    let mut parameters = Vec::new();
    while *bytes.get(at)? != b')' {
        let length = field_length(&bytes[at..])?;
        parameters.push(descriptor.get(at..at + length)?);
        at += length;
    }
    Some((parameters, descriptor.get(at + 1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_parse_and_bad_ones_do_not() {
        let signature = Signature::parse("(IJ[Ljava/lang/String;DZ)Ljava/lang/Object;").unwrap();
        assert_eq!(signature.parameters, [Kind::Int, Kind::Long, Kind::Reference, Kind::Double, Kind::Int]);
        assert_eq!(signature.result, Some(Kind::Reference));
        assert_eq!(signature.slots(), 7);
        assert_eq!(Signature::parse("()V").unwrap().result, None);
        for bad in ["", "(", "()", "(L;)V", "(Q)V", "()VV", "(I)", "I"] {
            assert!(Signature::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(field_kind("[[J"), Some(Kind::Reference));
        assert_eq!(field_kind("J"), Some(Kind::Long));
        assert_eq!(field_kind("V"), None);
        assert_eq!(split("(I[BLA;)V").unwrap(), (alloc::vec!["I", "[B", "LA;"], "V"));
    }
}
