//! Any bytes given to the Obj reader give a mesh or an error, never a panic or a runaway allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cusp::io::parse_mesh(data, cusp::io::Format::Obj);
});
