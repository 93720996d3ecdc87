//! Files: removed, their package and the options that shape generated
//! code.

use prost_reflect::FileDescriptor;

use super::{Category, Found, Walk};

impl Walk<'_> {
    /// Files removed, and each kept file's package and options.
    pub(super) fn files(&mut self) {
        let (old, new) = (self.old, self.new);
        // Two single files under different names (`old.proto`, `new.proto`)
        // are two versions of one file.
        let renamed = (old.roots.len() == 1 && new.roots.len() == 1).then(|| {
            (
                old.roots.iter().next().cloned(),
                new.roots.iter().next().cloned(),
            )
        });
        for f in old.pool.files().filter(|f| old.owns(f.name())) {
            let counterpart = match &renamed {
                Some((Some(o), Some(n))) if o == f.name() => n.clone(),
                _ => f.name().to_owned(),
            };
            match new.pool.get_file_by_name(&counterpart) {
                None => self.push(
                    Found {
                        rule: "proto-file-removed",
                        category: Some(Category::File),
                        message: format!("file `{}` was removed", f.name()),
                        old: old.file_side(f.name()),
                        new: None,
                        field: f.name(),
                    },
                    "",
                ),
                Some(nf) => self.file(&f, &nf),
            }
        }
    }

    /// A file in both versions: its package and its options.
    fn file(&mut self, f: &FileDescriptor, nf: &FileDescriptor) {
        let (old, new) = (self.old, self.new);
        if f.package_name() != nf.package_name() {
            self.push(
                Found {
                    rule: "proto-package-changed",
                    category: Some(Category::File),
                    message: format!(
                        "package of `{}` changed from `{}` to `{}`",
                        f.name(),
                        f.package_name(),
                        nf.package_name()
                    ),
                    old: old.file_side(f.name()),
                    new: new.file_side(nf.name()),
                    field: f.name(),
                },
                "",
            );
        }
        for ((name, a), (_, b)) in shaping_options(f).into_iter().zip(shaping_options(nf)) {
            if a != b {
                self.push(
                    Found {
                        rule: "proto-file-option-changed",
                        category: Some(Category::File),
                        message: format!(
                            "option `{name}` of `{}` changed from {a:?} to {b:?}",
                            f.name()
                        ),
                        old: old.file_side(f.name()),
                        new: new.file_side(nf.name()),
                        field: f.name(),
                    },
                    "",
                );
            }
        }
    }
}

/// The file options that shape generated code, by name, in a fixed order.
fn shaping_options(f: &FileDescriptor) -> [(&'static str, Option<String>); 11] {
    let o = f
        .file_descriptor_proto()
        .options
        .clone()
        .unwrap_or_default();
    [
        ("go_package", o.go_package),
        ("java_package", o.java_package),
        ("java_outer_classname", o.java_outer_classname),
        ("csharp_namespace", o.csharp_namespace),
        ("objc_class_prefix", o.objc_class_prefix),
        ("php_namespace", o.php_namespace),
        ("ruby_package", o.ruby_package),
        ("swift_prefix", o.swift_prefix),
        (
            "java_multiple_files",
            o.java_multiple_files.map(|b| b.to_string()),
        ),
        ("optimize_for", o.optimize_for.map(|v| v.to_string())),
        (
            "cc_enable_arenas",
            o.cc_enable_arenas.map(|b| b.to_string()),
        ),
    ]
}
