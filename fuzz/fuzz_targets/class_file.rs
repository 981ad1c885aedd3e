//! Arbitrary bytes as a Java class file: parse it, then verify every method on its own (so a bad
//! first method does not hide the others). Refusals are fine, as ClassFormatError or
//! UnsupportedClassVersionError from the reader and VerifyError from the verifier; a panic, a
//! hang, another error kind, or a verified method whose code does not decode is a bug.
//! Seeds: any javac output, e.g. `javac -d corpus/class_file ../tests/java/*.java` (class files
//! are not committed).

#![no_main]

use stardust_jvm::LinkError;
use stardust_jvm::classfile::parse;
use stardust_jvm::verify::{length, verify_class, verify_method};

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let class = match parse(bytes) {
        Ok(class) => class,
        Err(LinkError::Format(_) | LinkError::Unsupported(_)) => return,
        Err(other) => panic!("the reader gave {other:?}"),
    };
    let mut all_verify = true;
    for method in &class.methods {
        match verify_method(&class, method) {
            Ok(()) => {
                // A verified method's code decodes instruction by instruction to its end.
                if let Some(code) = &method.code {
                    let mut pc = 0;
                    while pc < code.bytes.len() {
                        pc += length(&code.bytes, pc).expect("a verified method's instructions decode");
                    }
                    assert_eq!(pc, code.bytes.len());
                }
            }
            Err(LinkError::Verify(_)) => all_verify = false,
            Err(other) => panic!("the verifier gave {other:?}"),
        }
    }
    assert_eq!(verify_class(&class).is_ok(), all_verify);
});
