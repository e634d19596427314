//! Reading and writing a ~1M-triangle mesh (binary STL ≈ 50 MB, binary PLY), from memory.

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use cusp::io::{encode_mesh, parse_mesh, Format, WriteOptions};
use std::hint::black_box;

fn io(c: &mut Criterion) {
    let mesh = common::big_surface();
    let mut g = c.benchmark_group("io");
    g.sample_size(10);
    for format in [Format::Stl, Format::Ply] {
        let bytes = encode_mesh(&mesh, format, WriteOptions::default());
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        let tag = format!("{}_{}tri", format.name(), mesh.face_count());
        g.bench_function(format!("read_{tag}"), |b| b.iter(|| parse_mesh(black_box(&bytes), format).expect("valid")));
        g.bench_function(format!("write_{tag}"), |b| {
            b.iter(|| encode_mesh(black_box(&mesh), format, WriteOptions::default()))
        });
    }
    g.finish();
}

criterion_group!(benches, io);
criterion_main!(benches);
