//! Block compression codecs of Avro container files (and the Parquet codecs
//! that share a name with them).

use std::fmt;
use std::io::Read;
use std::str::FromStr;

/// A decompressed block may not exceed this size: it bounds what a hostile or
/// corrupt file can make us allocate. Our writer cuts blocks at a few MiB.
pub const MAX_BLOCK_BYTES: usize = 256 << 20;

/// A compression codec.
///
/// Avro files support all of them (`bzip2` and `xz` behind the cargo features
/// of the same names); Parquet files support `null`, `snappy` and `zstd`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// No compression (`"null"`).
    Null,
    /// Raw deflate (RFC 1951) at a level 0-9 (`"deflate"`).
    Deflate(u8),
    /// Snappy, each block followed by the CRC-32 of its uncompressed bytes (`"snappy"`).
    Snappy,
    /// Zstandard at a level 1-22 (`"zstandard"`, also accepted as `"zstd"`).
    Zstd(i32),
    /// bzip2 (`"bzip2"`, cargo feature `bzip2`).
    Bzip2,
    /// xz (`"xz"`, cargo feature `xz`).
    Xz,
}

impl Default for Codec {
    fn default() -> Self {
        Codec::Zstd(1)
    }
}

impl Codec {
    /// Every codec name, as written in files and accepted in configuration.
    pub const NAMES: [&'static str; 6] = ["null", "deflate", "snappy", "zstandard", "bzip2", "xz"];

    /// The name Avro files use in their `avro.codec` header.
    pub const fn avro_name(self) -> &'static str {
        match self {
            Codec::Null => "null",
            Codec::Deflate(_) => "deflate",
            Codec::Snappy => "snappy",
            Codec::Zstd(_) => "zstandard",
            Codec::Bzip2 => "bzip2",
            Codec::Xz => "xz",
        }
    }

    /// The codec named `name` with its default level (`zstd` 1, `deflate` 6).
    pub fn from_name(name: &str) -> Option<Codec> {
        Some(match name {
            "null" | "none" | "uncompressed" => Codec::Null,
            "deflate" => Codec::Deflate(6),
            "snappy" => Codec::Snappy,
            "zstandard" | "zstd" => Codec::Zstd(1),
            "bzip2" => Codec::Bzip2,
            "xz" => Codec::Xz,
            _ => return None,
        })
    }

    /// This codec with a compression `level` (zstd, deflate); others ignore it.
    pub fn with_level(self, level: i32) -> Codec {
        match self {
            Codec::Zstd(_) => Codec::Zstd(level.clamp(1, 22)),
            Codec::Deflate(_) => Codec::Deflate(level.clamp(0, 9) as u8),
            other => other,
        }
    }

    /// Whether this build can use the codec (bzip2 and xz need cargo features).
    // Without those features the arms are constants and clippy would fold
    // them into `matches!`, which reads worse than one arm per feature.
    #[allow(clippy::match_like_matches_macro)]
    pub const fn is_available(self) -> bool {
        match self {
            Codec::Bzip2 => cfg!(feature = "bzip2"),
            Codec::Xz => cfg!(feature = "xz"),
            _ => true,
        }
    }

    /// Appends `data` compressed to `out`.
    pub fn compress(self, data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        match self {
            Codec::Null => out.extend_from_slice(data),
            Codec::Deflate(level) => {
                out.extend_from_slice(&miniz_oxide::deflate::compress_to_vec(data, level.min(10)))
            }
            Codec::Snappy => {
                let start = out.len();
                out.resize(start + snap::raw::max_compress_len(data.len()), 0);
                let n = snap::raw::Encoder::new()
                    .compress(data, &mut out[start..])
                    .map_err(|e| format!("snappy: {e}"))?;
                out.truncate(start + n);
                out.extend_from_slice(&crc32fast::hash(data).to_be_bytes());
            }
            Codec::Zstd(level) => {
                let compressed = zstd::bulk::compress(data, level).map_err(|e| format!("zstandard: {e}"))?;
                out.extend_from_slice(&compressed);
            }
            Codec::Bzip2 => compress_bzip2(data, out)?,
            Codec::Xz => compress_xz(data, out)?,
        }
        Ok(())
    }

    /// Decompresses one block into `out` (cleared first), refusing to produce
    /// more than [`MAX_BLOCK_BYTES`].
    pub(crate) fn decompress(self, data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        out.clear();
        match self {
            Codec::Null => {
                out.extend_from_slice(data);
            }
            Codec::Deflate(_) => {
                *out = miniz_oxide::inflate::decompress_to_vec_with_limit(data, MAX_BLOCK_BYTES)
                    .map_err(|e| format!("deflate: {e}"))?;
            }
            Codec::Snappy => {
                let Some((body, crc)) = data.split_last_chunk::<4>() else {
                    return Err("snappy block shorter than its 4-byte checksum".into());
                };
                let len = snap::raw::decompress_len(body).map_err(|e| format!("snappy: {e}"))?;
                if len > MAX_BLOCK_BYTES {
                    return Err(too_large());
                }
                out.resize(len, 0);
                let n =
                    snap::raw::Decoder::new().decompress(body, out).map_err(|e| format!("snappy: {e}"))?;
                out.truncate(n);
                if crc32fast::hash(out) != u32::from_be_bytes(*crc) {
                    return Err("snappy block checksum mismatch".into());
                }
            }
            Codec::Zstd(_) => {
                let decoder =
                    zstd::stream::read::Decoder::new(data).map_err(|e| format!("zstandard: {e}"))?;
                read_bounded(decoder, out).map_err(|e| format!("zstandard: {e}"))?;
            }
            Codec::Bzip2 => decompress_bzip2(data, out)?,
            Codec::Xz => decompress_xz(data, out)?,
        }
        Ok(())
    }
}

fn too_large() -> String {
    format!("block decompresses to more than {} MiB", MAX_BLOCK_BYTES >> 20)
}

fn read_bounded(reader: impl Read, out: &mut Vec<u8>) -> Result<(), String> {
    let limit = MAX_BLOCK_BYTES as u64 + 1;
    reader.take(limit).read_to_end(out).map_err(|e| e.to_string())?;
    if out.len() > MAX_BLOCK_BYTES {
        return Err(too_large());
    }
    Ok(())
}

#[cfg(feature = "bzip2")]
fn compress_bzip2(data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    bzip2::read::BzEncoder::new(data, bzip2::Compression::default())
        .read_to_end(out)
        .map(drop)
        .map_err(|e| format!("bzip2: {e}"))
}

#[cfg(feature = "bzip2")]
fn decompress_bzip2(data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    read_bounded(bzip2::read::BzDecoder::new(data), out).map_err(|e| format!("bzip2: {e}"))
}

#[cfg(not(feature = "bzip2"))]
fn compress_bzip2(_: &[u8], _: &mut Vec<u8>) -> Result<(), String> {
    Err(unavailable("bzip2"))
}

#[cfg(not(feature = "bzip2"))]
fn decompress_bzip2(_: &[u8], _: &mut Vec<u8>) -> Result<(), String> {
    Err(unavailable("bzip2"))
}

#[cfg(feature = "xz")]
fn compress_xz(data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    liblzma::read::XzEncoder::new(data, 6).read_to_end(out).map(drop).map_err(|e| format!("xz: {e}"))
}

#[cfg(feature = "xz")]
fn decompress_xz(data: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    read_bounded(liblzma::read::XzDecoder::new(data), out).map_err(|e| format!("xz: {e}"))
}

#[cfg(not(feature = "xz"))]
fn compress_xz(_: &[u8], _: &mut Vec<u8>) -> Result<(), String> {
    Err(unavailable("xz"))
}

#[cfg(not(feature = "xz"))]
fn decompress_xz(_: &[u8], _: &mut Vec<u8>) -> Result<(), String> {
    Err(unavailable("xz"))
}

#[cfg(any(not(feature = "bzip2"), not(feature = "xz")))]
fn unavailable(name: &str) -> String {
    format!("codec `{name}` needs parquetframe's cargo feature `{name}`")
}

impl fmt::Display for Codec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Codec::Zstd(level) => write!(f, "zstandard (level {level})"),
            Codec::Deflate(level) => write!(f, "deflate (level {level})"),
            other => f.write_str(other.avro_name()),
        }
    }
}

impl FromStr for Codec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Codec::from_name(s)
            .ok_or_else(|| format!("unknown codec `{s}`: expected one of {}", Codec::NAMES.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_available_codec_round_trips() {
        let data: Vec<u8> = (0..100_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        for name in Codec::NAMES {
            let codec = Codec::from_name(name).unwrap();
            if !codec.is_available() {
                continue;
            }
            let mut packed = Vec::new();
            codec.compress(&data, &mut packed).unwrap();
            let mut out = Vec::new();
            codec.decompress(&packed, &mut out).unwrap();
            assert_eq!(out, data, "{name}");
        }
    }

    #[test]
    fn a_decompression_bomb_is_refused() {
        let zeros = vec![0u8; MAX_BLOCK_BYTES + 1];
        let mut packed = Vec::new();
        Codec::Zstd(3).compress(&zeros, &mut packed).unwrap();
        let err = Codec::Zstd(3).decompress(&packed, &mut Vec::new()).unwrap_err();
        assert!(err.contains("more than"), "{err}");
    }
}
