"""What schema fields call: queries scoped to the viewer, validated mutations, workflows."""
