//! The Search space section of Setup: candidate ops, nodes, cells, channels, inputs (image
//! sizes), and the cell DAG where a click on an edge selects it to switch it, or single ops on
//! it, off and on. Every edit is validated at once; what is wrong is said next to it.

use std::path::Path;

use metanas_core::space::{
    edge_index, edge_name, Aggregate, CellKind, Constraint, Domain, Op, SearchSpace,
};

use super::super::picker::Purpose;
use super::super::state::Workbench;
use super::heading;
use crate::plots::cells::{curve_text, paint_cell};

/// The Search space section.
pub fn space_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    heading(ui, "Search space");
    let mut changed = false;
    let space = &mut app.draft.space;
    ui.label(format!(
        "{} space: {}, {}",
        match space.domain {
            Domain::Image => "Image",
            Domain::Vector => "Vector",
        },
        counted(space.num_edges(), "edge per cell", "edges per cell"),
        counted(space.ops.len(), "op", "ops")
    ));
    ui.label("Candidate ops:");
    ui.horizontal_wrapped(|ui| {
        for op in Op::ALL.into_iter().filter(|o| o.allowed_in(space.domain)) {
            let mut on = space.ops.contains(&op);
            if ui.checkbox(&mut on, op.name()).changed() {
                changed = true;
                if on {
                    // Keep the canonical order, so that op indices read the same everywhere.
                    space.ops.push(op);
                    space
                        .ops
                        .sort_by_key(|o| Op::ALL.iter().position(|a| a == o));
                } else {
                    space.ops.retain(|&o| o != op);
                    space.constraints.retain(|c| c.op != Some(op));
                }
            }
        }
    });
    egui::Grid::new("space-grid").num_columns(2).show(ui, |ui| {
        ui.label("Nodes per cell");
        if ui
            .add(egui::DragValue::new(&mut space.nodes).range(1..=12))
            .changed()
        {
            // Constraints on nodes that no longer exist would be refused.
            let nodes = space.nodes;
            space.constraints.retain(|c| c.to < nodes + 2);
            changed = true;
        }
        ui.end_row();
        ui.label("Channels (first cell)");
        changed |= ui
            .add(egui::DragValue::new(&mut space.channels).range(1..=1024))
            .changed();
        ui.end_row();
        if space.domain == Domain::Image {
            ui.label("Stem multiplier");
            changed |= ui
                .add(egui::DragValue::new(&mut space.stem_multiplier).range(1..=16))
                .changed();
            ui.end_row();
        }
        ui.label("Cell output");
        ui.horizontal(|ui| {
            changed |= ui
                .radio_value(&mut space.aggregate, Aggregate::Concat, "concat")
                .changed();
            changed |= ui
                .radio_value(&mut space.aggregate, Aggregate::Mean, "mean")
                .changed();
        });
        ui.end_row();
        ui.label("Cells");
        ui.horizontal_wrapped(|ui| {
            let names: Vec<&str> = space.cells.iter().map(|c| c.name()).collect();
            ui.label(names.join(", "));
            if ui.small_button("+ normal").clicked() {
                space.cells.push(CellKind::Normal);
                changed = true;
            }
            if space.domain == Domain::Image && ui.small_button("+ reduce").clicked() {
                space.cells.push(CellKind::Reduce);
                changed = true;
            }
            if space.cells.len() > 1 && ui.small_button("- last").clicked() {
                space.cells.pop();
                changed = true;
            }
        });
        ui.end_row();
    });
    ui.label("Inputs (one stem each; datasets are resized to their input):");
    for (i, input) in space.inputs.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            changed |= ui
                .add(egui::TextEdit::singleline(&mut input.name).desired_width(80.0))
                .changed();
            let label = if space.domain == Domain::Image {
                "channels"
            } else {
                "features"
            };
            ui.label(label);
            changed |= ui
                .add(egui::DragValue::new(&mut input.channels).range(1..=4096))
                .changed();
            if space.domain == Domain::Image {
                ui.label("height");
                changed |= ui
                    .add(egui::DragValue::new(&mut input.height).range(1..=1024))
                    .changed();
                ui.label("width");
                changed |= ui
                    .add(egui::DragValue::new(&mut input.width).range(1..=1024))
                    .changed();
            }
            ui.label(format!("#{i}"));
        });
    }
    ui.horizontal(|ui| {
        if ui.button("Load space…").clicked() {
            app.ask(Purpose::LoadSpace);
        }
        if ui.button("Save space…").clicked() {
            app.ask(Purpose::SaveSpace);
        }
    });
    if changed {
        app.draft_changed();
    }
    let space = &app.draft.space;
    if let Err(e) = space.validate() {
        ui.colored_label(ui.visuals().error_fg_color, e.to_string());
        return;
    }
    constraints_ui(ui, app);
}

/// The clickable DAG of one cell kind and the switches of the selected edge.
fn constraints_ui(ui: &mut egui::Ui, app: &mut Workbench) {
    ui.separator();
    ui.label("Click an edge to switch it or its ops off and on:");
    let space = app.draft.space.clone();
    let kinds: Vec<CellKind> = [CellKind::Normal, CellKind::Reduce]
        .into_iter()
        .filter(|k| space.cells.contains(k))
        .collect();
    let editing = &mut app.views.cells_editor;
    if !kinds.contains(&editing.kind) {
        editing.kind = CellKind::Normal;
    }
    ui.horizontal(|ui| {
        for k in &kinds {
            ui.selectable_value(&mut editing.kind, *k, format!("{} cell", k.name()));
        }
    });
    let kind = editing.kind;
    let live = space.live_mask(kind);
    let probs: Vec<Vec<f32>> = live
        .iter()
        .map(|row| {
            let n = row.iter().filter(|&&l| l).count().max(1) as f32;
            row.iter().map(|&l| if l { 1.0 / n } else { 0.0 }).collect()
        })
        .collect();
    let paint = paint_cell(ui, &space, kind, &probs, None, ui.available_width());
    if paint.response.clicked() {
        editing.edge = paint.hovered_edge();
    }
    let hover = match (&paint.hovered, &paint.hovered_off) {
        (Some(c), _) => Some(format!(
            "{} (click to select the edge)",
            curve_text(&space, c)
        )),
        (None, Some(e)) => Some(format!(
            "edge {} is switched off (click to select it and switch it back on)",
            edge_name(e.from, e.to, space.nodes)
        )),
        (None, None) => None,
    };
    if let Some(text) = hover {
        paint.response.on_hover_text(text);
    }
    let Some((from, to)) = editing.edge.filter(|&(_, to)| to < space.nodes + 2) else {
        return;
    };
    if edge_index(space.nodes, from, to).is_none() {
        return;
    }
    let mut next = space.clone();
    let mut touched = false;
    ui.horizontal_wrapped(|ui| {
        ui.strong(format!("edge {}:", edge_name(from, to, space.nodes)));
        let whole_off = space
            .constraints
            .iter()
            .any(|c| c.cell == kind && c.from == from && c.to == to && c.op.is_none());
        let mut on = !whole_off;
        if ui.checkbox(&mut on, "edge on").changed() {
            touched = true;
            set_constraint(&mut next, kind, from, to, None, !on);
        }
        for op in &space.ops {
            let mut op_on = !has_op_constraint(&space, kind, from, to, *op);
            if ui
                .add_enabled(!whole_off, egui::Checkbox::new(&mut op_on, op.name()))
                .changed()
            {
                touched = true;
                set_constraint(&mut next, kind, from, to, Some(*op), !op_on);
            }
        }
    });
    if touched {
        match next.validate() {
            Ok(()) => {
                app.draft.space = next;
                app.draft_changed();
            }
            // Refused, not applied: the space stays valid.
            Err(e) => app.error(format!("not switched: {e}")),
        }
    }
}

fn has_op_constraint(space: &SearchSpace, kind: CellKind, from: usize, to: usize, op: Op) -> bool {
    space
        .constraints
        .iter()
        .any(|c| c.cell == kind && c.from == from && c.to == to && c.op == Some(op))
}

/// Adds (`off`) or removes the constraint switching off `op` (or the whole edge).
fn set_constraint(
    space: &mut SearchSpace,
    cell: CellKind,
    from: usize,
    to: usize,
    op: Option<Op>,
    off: bool,
) {
    space
        .constraints
        .retain(|c| !(c.cell == cell && c.from == from && c.to == to && c.op == op));
    if off {
        space.constraints.push(Constraint { cell, from, to, op });
    }
}

/// Loads a search space file into the draft.
pub fn load_space(app: &mut Workbench, path: &Path) {
    match SearchSpace::load(path) {
        Ok(space) => {
            app.draft.space = space;
            app.draft_changed();
            app.info(format!("loaded the search space {}", path.display()));
        }
        Err(e) => app.error(format!("{e}; the current space is kept")),
    }
}

/// Saves the draft's search space as TOML.
pub fn save_space(app: &mut Workbench, path: &Path) {
    let text = app.draft.space.to_toml_string();
    match metanas_core::run::write_atomic(path, text.as_bytes()) {
        Ok(()) => app.info(format!("saved the search space to {}", path.display())),
        Err(e) => app.error(format!("{e}; choose another file")),
    }
}

/// `1 op`, `3 ops`.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
