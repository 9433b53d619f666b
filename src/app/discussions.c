/* discussions: the model of network discussions (discussions.h). */
#include "app/discussions.h"

#include <string.h>

#include "core/utf8.h"

/* Every action of the discussions and the network action that decides it
 * (networks.c's table: NET_DISCUSS for members, coordinators and admins;
 * NET_MODERATE for the network's coordinators and admins). */
static const enum net_action disc_needs[DISC_ACTION_COUNT] = {
        [DISC_READ] = NET_DISCUSS,   [DISC_POST] = NET_DISCUSS,      [DISC_FOLLOW] = NET_DISCUSS,
        [DISC_REPORT] = NET_DISCUSS, [DISC_MODERATE] = NET_MODERATE,
};

int disc_may(const struct identity *who, enum net_role r, enum disc_action a)
{
	if ((unsigned)a >= DISC_ACTION_COUNT)
		return 0;
	return network_may(who, r, disc_needs[a]);
}

/* 1 when s has a control character (line breaks and tabs allowed when
 * multiline). */
static int has_control(const char *s, int multiline)
{
	for (const unsigned char *q = (const unsigned char *)s; *q; q++)
		if ((*q < 0x20 && !(multiline && (*q == '\n' || *q == '\r' || *q == '\t'))) ||
		    *q == 0x7f)
			return 1;
	return 0;
}

static int blank(const char *s)
{
	for (; *s; s++)
		if (!strchr(" \t\r\n", *s))
			return 0;
	return 1;
}

const char *disc_title_error(const char *s)
{
	if (!s || blank(s))
		return "discussion.error.title_required";
	if (has_control(s, 0) || utf8_length(s, strlen(s)) > DISC_TITLE_MAX)
		return "discussion.error.title_invalid";
	return NULL;
}

const char *disc_body_error(const char *s)
{
	if (!s || blank(s))
		return "discussion.error.body_required";
	if (has_control(s, 1) || utf8_length(s, strlen(s)) > DISC_BODY_MAX)
		return "discussion.error.body_invalid";
	return NULL;
}

const char *disc_note_error(const char *s, int required)
{
	if (!s || blank(s))
		return required ? "discussion.error.reason_required" : NULL;
	if (has_control(s, 1) || utf8_length(s, strlen(s)) > DISC_NOTE_MAX)
		return "discussion.error.note_invalid";
	return NULL;
}

static const char *const report_reasons[] = {"spam", "insult", "personal_data", "off_topic",
                                             "other"};

const char *disc_report_reason(int i)
{
	return i >= 0 && i < (int)(sizeof(report_reasons) / sizeof(report_reasons[0]))
	               ? report_reasons[i]
	               : NULL;
}

int disc_report_reason_valid(const char *s)
{
	for (int i = 0; s && disc_report_reason(i); i++)
		if (strcmp(disc_report_reason(i), s) == 0)
			return 1;
	return 0;
}

/* Every moderation step; anything else is refused. */
const struct disc_step disc_steps[] = {
        {"hide", DISC_ON_POST, 0, 1, 1, "discussion_post_hidden", "discussion.post_hidden"},
        {"unhide", DISC_ON_POST, 1, 0, 0, "discussion_post_unhidden", NULL},
        {"lock", DISC_ON_THREAD, 0, 1, 0, "discussion_thread_locked", NULL},
        {"unlock", DISC_ON_THREAD, 1, 0, 0, "discussion_thread_unlocked", NULL},
};
const int disc_step_count = (int)(sizeof(disc_steps) / sizeof(disc_steps[0]));

const struct disc_step *disc_step_find(const char *name, enum disc_target target)
{
	for (int i = 0; name && i < disc_step_count; i++)
		if (disc_steps[i].target == target && strcmp(disc_steps[i].name, name) == 0)
			return &disc_steps[i];
	return NULL;
}

static const struct disc_resolution resolutions[] = {
        {"hide", "hidden", 1},
        {"dismiss", "dismissed", 0},
};

const struct disc_resolution *disc_resolution_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof(resolutions) / sizeof(resolutions[0]); i++)
		if (strcmp(resolutions[i].name, name) == 0)
			return &resolutions[i];
	return NULL;
}

int64_t disc_pages(int64_t total, int per)
{
	if (per < 1)
		per = 1;
	return total <= 0 ? 1 : (total + per - 1) / per;
}

int64_t disc_page_clamp(int64_t requested, int64_t pages)
{
	if (requested < 1)
		return 1;
	return requested > pages ? pages : requested;
}
