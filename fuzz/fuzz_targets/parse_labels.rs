//! Any bytes given to the Teeth3DS label reader give labels or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cusp::io::Teeth3dsLabels::parse(data);
});
