//! Headers and cells of any text (split on newlines and tabs), mapped and read as each kind of
//! record with and without a phone prefix and a default currency.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    closer_domain::import::read_for_fuzzing(&String::from_utf8_lossy(data));
});
