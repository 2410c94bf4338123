CREATE TYPE "public"."pairing_policy" AS ENUM('balanced', 'informative');--> statement-breakpoint
CREATE TYPE "public"."judge_outcome" AS ENUM('winner', 'unsure');--> statement-breakpoint
CREATE TABLE "campaign_guideline_translations" (
	"campaign_id" uuid NOT NULL,
	"locale" text NOT NULL,
	"version" integer NOT NULL,
	"guidelines" text NOT NULL,
	"updated_by_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaign_guideline_translations_campaign_id_locale_pk" PRIMARY KEY("campaign_id","locale")
);
--> statement-breakpoint
CREATE TABLE "prompt_signatures" (
	"turn_id" uuid PRIMARY KEY NOT NULL,
	"campaign_id" uuid NOT NULL,
	"signature" integer[] NOT NULL,
	"band_keys" integer[] NOT NULL,
	"cluster_turn_id" uuid NOT NULL,
	"cluster_position" integer DEFAULT 0 NOT NULL,
	"similarity" real,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prompt_set_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"set_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"prompt" text NOT NULL,
	"system_prompt" text,
	"category" text,
	"reference_answer" text
);
--> statement-breakpoint
CREATE TABLE "prompt_sets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"name" text NOT NULL,
	"format" text NOT NULL,
	"item_count" integer NOT NULL,
	"annotators_per_prompt" integer DEFAULT 1 NOT NULL,
	"replaces_own_prompts" boolean DEFAULT false NOT NULL,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "prompt_sets_annotators_per_prompt_range" CHECK ("prompt_sets"."annotators_per_prompt" between 1 and 20)
);
--> statement-breakpoint
CREATE TABLE "prompt_slots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"set_id" uuid NOT NULL,
	"item_id" uuid NOT NULL,
	"slot" integer NOT NULL,
	"position" integer NOT NULL,
	"annotator_id" uuid,
	"claimed_at" timestamp with time zone,
	"conversation_id" uuid,
	"served_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "campaign_judges" (
	"campaign_id" uuid PRIMARY KEY NOT NULL,
	"endpoint_kind" "endpoint_kind" NOT NULL,
	"base_url" text,
	"model" text DEFAULT '' NOT NULL,
	"model_path" text,
	"api_key_env" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"updated_by_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"prompt_template" text NOT NULL,
	"verdict_schema" jsonb NOT NULL,
	"max_tokens" integer DEFAULT 400 NOT NULL,
	CONSTRAINT "campaign_judges_max_tokens_range" CHECK ("campaign_judges"."max_tokens" between 16 and 8192)
);
--> statement-breakpoint
CREATE TABLE "campaign_reward_models" (
	"campaign_id" uuid PRIMARY KEY NOT NULL,
	"endpoint_kind" "endpoint_kind" NOT NULL,
	"base_url" text,
	"model" text DEFAULT '' NOT NULL,
	"model_path" text,
	"api_key_env" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"updated_by_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "comparison_assists" (
	"comparison_id" uuid PRIMARY KEY NOT NULL,
	"campaign_id" uuid NOT NULL,
	"batch_id" uuid NOT NULL,
	"judge_job_id" uuid,
	"reward_job_id" uuid,
	"judge_outcome" "judge_outcome",
	"judge_winner_response_id" uuid,
	"judge_strength" "strength",
	"judge_rationale" text,
	"judge_runs" jsonb,
	"judge_model" text,
	"judged_at" timestamp with time zone,
	"scored_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "response_reward_scores" (
	"response_id" uuid PRIMARY KEY NOT NULL,
	"campaign_id" uuid NOT NULL,
	"score" double precision NOT NULL,
	"reward_model" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "locale" text;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "rate_per_comparison" numeric(12, 2);--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "rate_unit" text DEFAULT 'points' NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "near_duplicate_threshold" real DEFAULT 0.8 NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "pairing" "pairing_policy" DEFAULT 'balanced' NOT NULL;--> statement-breakpoint
ALTER TABLE "model_variants" ADD COLUMN "adapter_path" text;--> statement-breakpoint
ALTER TABLE "model_variants" ADD COLUMN "adapter_scale" real DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "adapter_path" text;--> statement-breakpoint
ALTER TABLE "responses" ADD COLUMN "adapter_scale" real;--> statement-breakpoint
ALTER TABLE "campaign_guideline_translations" ADD CONSTRAINT "campaign_guideline_translations_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_guideline_translations" ADD CONSTRAINT "campaign_guideline_translations_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_signatures" ADD CONSTRAINT "prompt_signatures_turn_id_turns_id_fk" FOREIGN KEY ("turn_id") REFERENCES "public"."turns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_signatures" ADD CONSTRAINT "prompt_signatures_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_set_items" ADD CONSTRAINT "prompt_set_items_set_id_prompt_sets_id_fk" FOREIGN KEY ("set_id") REFERENCES "public"."prompt_sets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_sets" ADD CONSTRAINT "prompt_sets_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_sets" ADD CONSTRAINT "prompt_sets_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_slots" ADD CONSTRAINT "prompt_slots_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_slots" ADD CONSTRAINT "prompt_slots_set_id_prompt_sets_id_fk" FOREIGN KEY ("set_id") REFERENCES "public"."prompt_sets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_slots" ADD CONSTRAINT "prompt_slots_item_id_prompt_set_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."prompt_set_items"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_slots" ADD CONSTRAINT "prompt_slots_annotator_id_users_id_fk" FOREIGN KEY ("annotator_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "prompt_slots" ADD CONSTRAINT "prompt_slots_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_judges" ADD CONSTRAINT "campaign_judges_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_judges" ADD CONSTRAINT "campaign_judges_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_reward_models" ADD CONSTRAINT "campaign_reward_models_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_reward_models" ADD CONSTRAINT "campaign_reward_models_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparison_assists" ADD CONSTRAINT "comparison_assists_comparison_id_comparisons_id_fk" FOREIGN KEY ("comparison_id") REFERENCES "public"."comparisons"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparison_assists" ADD CONSTRAINT "comparison_assists_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparison_assists" ADD CONSTRAINT "comparison_assists_batch_id_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."batches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparison_assists" ADD CONSTRAINT "comparison_assists_judge_job_id_jobs_id_fk" FOREIGN KEY ("judge_job_id") REFERENCES "public"."jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparison_assists" ADD CONSTRAINT "comparison_assists_reward_job_id_jobs_id_fk" FOREIGN KEY ("reward_job_id") REFERENCES "public"."jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comparison_assists" ADD CONSTRAINT "comparison_assists_judge_winner_response_id_responses_id_fk" FOREIGN KEY ("judge_winner_response_id") REFERENCES "public"."responses"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "response_reward_scores" ADD CONSTRAINT "response_reward_scores_response_id_responses_id_fk" FOREIGN KEY ("response_id") REFERENCES "public"."responses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "response_reward_scores" ADD CONSTRAINT "response_reward_scores_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "prompt_signatures_band_keys_idx" ON "prompt_signatures" USING gin ("band_keys");--> statement-breakpoint
CREATE INDEX "prompt_signatures_campaign_position_idx" ON "prompt_signatures" USING btree ("campaign_id","cluster_position");--> statement-breakpoint
CREATE INDEX "prompt_signatures_cluster_idx" ON "prompt_signatures" USING btree ("cluster_turn_id");--> statement-breakpoint
CREATE UNIQUE INDEX "prompt_set_items_set_position_key" ON "prompt_set_items" USING btree ("set_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "prompt_sets_campaign_name_key" ON "prompt_sets" USING btree ("campaign_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "prompt_slots_item_slot_key" ON "prompt_slots" USING btree ("item_id","slot");--> statement-breakpoint
CREATE UNIQUE INDEX "prompt_slots_item_annotator_key" ON "prompt_slots" USING btree ("item_id","annotator_id") WHERE "prompt_slots"."annotator_id" is not null;--> statement-breakpoint
CREATE INDEX "prompt_slots_free_idx" ON "prompt_slots" USING btree ("campaign_id","slot","position") WHERE "prompt_slots"."annotator_id" is null;--> statement-breakpoint
CREATE INDEX "prompt_slots_in_progress_idx" ON "prompt_slots" USING btree ("campaign_id","claimed_at") WHERE "prompt_slots"."annotator_id" is not null and "prompt_slots"."served_at" is null;--> statement-breakpoint
CREATE INDEX "prompt_slots_annotator_idx" ON "prompt_slots" USING btree ("annotator_id","campaign_id");--> statement-breakpoint
CREATE INDEX "prompt_slots_set_idx" ON "prompt_slots" USING btree ("set_id");--> statement-breakpoint
CREATE INDEX "prompt_slots_conversation_idx" ON "prompt_slots" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX "comparison_assists_campaign_batch_idx" ON "comparison_assists" USING btree ("campaign_id","batch_id");--> statement-breakpoint
CREATE INDEX "response_reward_scores_campaign_idx" ON "response_reward_scores" USING btree ("campaign_id");--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_near_duplicate_threshold_range" CHECK ("campaigns"."near_duplicate_threshold" between 0.1 and 1);