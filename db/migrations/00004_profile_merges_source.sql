-- The source profile's owner lists the merges aimed at their profile (GET /v1/profile/merges?role=source).
create index profile_merges__source_profile_id__idx on profile_merges (source_profile_id);
