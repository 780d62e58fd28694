//! How the worker's events change the workbench's read model (the run, training state,
//! adaptations, notices): the one place the worker's reports land.

use super::state::Workbench;
use super::tab::TrainState;
use super::worker::Event;

impl Workbench {
    /// Applies one event of the worker to what the views show.
    pub(super) fn apply(&mut self, event: Event) {
        match event {
            Event::Busy(what) => self.busy = Some(what),
            Event::Loading { path, done, total } => self.loading = Some((path, done, total)),
            Event::Opened(history) => {
                self.loading = None;
                self.notices.state_changed();
                // Another run is open now: a paused one is no longer what Resume continues.
                if matches!(self.train, TrainState::Paused { .. }) {
                    self.train = TrainState::Idle;
                }
                for w in &history.warnings {
                    self.info(format!("warning: {w}"));
                }
                self.settings.last_run = Some(history.dir.clone());
                self.views.cells.follow_latest = true;
                self.adaptations.clear();
                self.shown_adaptation = None;
                self.views.adapt.comparison = None;
                self.set_draft(history.config.clone(), None);
                self.info(format!(
                    "opened {} at meta-step {}",
                    history.dir.display(),
                    history.steps
                ));
                self.run = Some(*history);
            }
            Event::Step {
                metrics,
                arch,
                snapshots,
                validation,
            } => {
                // Training moved on: "creating the run" and "opened at step 0" are stale.
                self.busy = None;
                self.notices.state_changed();
                if let Some(run) = &mut self.run {
                    run.steps = metrics.report.step;
                    run.metrics.push(metrics);
                    run.push_arch(arch);
                    run.snapshots.extend(snapshots);
                    run.validation.extend(validation);
                }
            }
            Event::TrainEnded {
                steps,
                stopped,
                genotype,
                validation,
            } => {
                if let Some(run) = &mut self.run {
                    run.steps = steps;
                    run.genotype = genotype;
                    run.validation = validation;
                }
                self.train = match (&self.train, stopped) {
                    (TrainState::Pausing { target }, true) => {
                        TrainState::Paused { target: *target }
                    }
                    _ => TrainState::Idle,
                };
                if !stopped {
                    self.info(format!("training done at meta-step {steps}"));
                }
            }
            Event::Adapted(result) => {
                self.adaptations.push(*result);
                self.shown_adaptation = Some(self.adaptations.len() - 1);
                self.views.adapt.step = usize::MAX;
            }
            Event::Compared(result) => {
                self.views.adapt.comparison = Some(*result);
            }
            Event::Inspected(info) => {
                self.loading = None;
                self.add_dataset(*info);
            }
            Event::Exported { dir, files } => {
                self.info(format!(
                    "exported {} files to {}",
                    files.len(),
                    dir.display()
                ));
                self.exported = Some((dir, files));
            }
            Event::Failed {
                what,
                trains,
                message,
            } => {
                self.loading = None;
                if trains && matches!(self.train, TrainState::Running { .. }) {
                    self.train = TrainState::Idle;
                }
                self.error(format!("{what}: {message}"));
            }
            Event::Idle => {
                self.busy = None;
                self.worker_busy = false;
            }
        }
    }
}
