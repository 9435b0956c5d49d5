//! Any bytes as an uploaded file, read as each kind of import: the encoding and delimiter
//! sniffing, the CSV reader, the column map and the first rows read into records.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    closer_web::app::importer::read_for_fuzzing(data);
});
