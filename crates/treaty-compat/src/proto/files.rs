//! Files: removed, their package and the options that shape generated
//! code.

use super::{Category, Found, Walk};

impl Walk<'_> {
    /// Files removed, and each kept file's package and options.
    pub(super) fn files(&mut self) {
        let (old, new) = (self.old, self.new);
        // Files and their packages and options.
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
                Some(nf) => {
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
                    let (oo, no) = (
                        f.file_descriptor_proto()
                            .options
                            .clone()
                            .unwrap_or_default(),
                        nf.file_descriptor_proto()
                            .options
                            .clone()
                            .unwrap_or_default(),
                    );
                    for (name, a, b) in [
                        ("go_package", oo.go_package.clone(), no.go_package.clone()),
                        (
                            "java_package",
                            oo.java_package.clone(),
                            no.java_package.clone(),
                        ),
                        (
                            "java_outer_classname",
                            oo.java_outer_classname.clone(),
                            no.java_outer_classname.clone(),
                        ),
                        (
                            "csharp_namespace",
                            oo.csharp_namespace.clone(),
                            no.csharp_namespace.clone(),
                        ),
                        (
                            "objc_class_prefix",
                            oo.objc_class_prefix.clone(),
                            no.objc_class_prefix.clone(),
                        ),
                        (
                            "php_namespace",
                            oo.php_namespace.clone(),
                            no.php_namespace.clone(),
                        ),
                        (
                            "ruby_package",
                            oo.ruby_package.clone(),
                            no.ruby_package.clone(),
                        ),
                        (
                            "swift_prefix",
                            oo.swift_prefix.clone(),
                            no.swift_prefix.clone(),
                        ),
                        (
                            "java_multiple_files",
                            oo.java_multiple_files.map(|b| b.to_string()),
                            no.java_multiple_files.map(|b| b.to_string()),
                        ),
                        (
                            "optimize_for",
                            oo.optimize_for.map(|v| v.to_string()),
                            no.optimize_for.map(|v| v.to_string()),
                        ),
                        (
                            "cc_enable_arenas",
                            oo.cc_enable_arenas.map(|b| b.to_string()),
                            no.cc_enable_arenas.map(|b| b.to_string()),
                        ),
                    ] {
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
        }
    }
}
