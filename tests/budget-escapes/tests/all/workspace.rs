//! A workspace of three crates sharing one plan, the supported way: the binary includes the plan (and so owns
//! it); the component crates `radio` and `camera` declare their memory in the binary's memory.toml and take it
//! as parameters. Their memory is counted once, in the binary's budget; over budget, the binary does not build.

use crate::app::{Crate, fits, plan, refused};

const RADIO: &str = "//! Radio component: buffers from whatever manager the application gives it.\n\
    pub fn start(buffers: &'static dyn flight_memory::Allocator) -> usize { buffers.total_memory() }\n";
const CAMERA: &str = "//! Camera component: frames from the application's pool.\n\
    pub fn start(frames: &'static dyn flight_memory::Allocator) -> usize { frames.total_memory() }\n";
const MAIN: &str = "flight_memory::include_memory!();\n\
    fn main() {\n\
        let radio = radio::start(&memory::buffer_managers::RADIO);\n\
        let camera = camera::start(&memory::pools::CAMERA_FRAMES);\n\
        println!(\"{radio} {camera}\");\n\
    }\n";

fn workspace_plan(frames: u64) -> String {
    format!(
        "{}\n[buffer_managers.radio]\nregion = \"sram\"\nbins = [ {{ size = 256, count = 16 }} ]\n\n\
         [pools.camera_frames]\nregion = \"sram\"\nblock_size = 1024\ncount = {frames}\n",
        plan(65536)
    )
}

const MEMBERS: &[(&str, &[(&str, &str)])] = &[
    ("radio", &[("src/lib.rs", RADIO)]),
    ("camera", &[("src/lib.rs", CAMERA)]),
];

#[test]
fn a_binary_and_two_components_share_one_plan() {
    fits(
        "workspace",
        &Crate {
            plan: workspace_plan(32),
            files: &[("src/main.rs", MAIN)],
            members: MEMBERS,
            command: "build",
            ..Crate::default()
        },
    );
}

#[test]
fn a_component_over_the_shared_budget_fails_the_binary() {
    refused(
        "workspace over budget",
        &Crate {
            plan: workspace_plan(60),
            files: &[("src/main.rs", MAIN)],
            members: MEMBERS,
            command: "build",
            ..Crate::default()
        },
        &["region `sram` is over its size on platform `obc`"],
    );
}
