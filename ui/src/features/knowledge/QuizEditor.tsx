/**
 * The editor's "check yourself" questions, inside the article form (`quiz`): each question
 * has a text, two or more options with at least one marked correct, and an explanation
 * shown once the reader has answered.
 */
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Card, Checkbox, Form, Input, Space, theme, Tooltip, Typography } from "antd";
import { useT } from "../../i18n";
import { newQuestion, type QuizOptionValues } from "./articleForm";

const MAX_TEXT = 500;
const MAX_OPTION = 200;
const MAX_OPTIONS = 10;
const MAX_EXPLANATION = 1000;

export function QuizEditor() {
  const t = useT();
  const { token } = theme.useToken();
  return (
    <Form.List name="quiz">
      {(questions, { add, remove }, { errors: quizErrors }) => (
        <Space orientation="vertical" size="small" style={{ width: "100%" }} data-testid="knowledge-quiz-editor">
          {questions.length === 0 ? <Typography.Text type="secondary">{t("knowledge.quiz.none")}</Typography.Text> : null}
          {questions.map((question, questionIndex) => (
            <Card
              key={question.key}
              size="small"
              data-testid="knowledge-quiz-edit-question"
              title={t("knowledge.quiz.question", { number: questionIndex + 1 })}
              extra={
                <Tooltip title={t("knowledge.quiz.removeQuestion")}>
                  <Button
                    size="small"
                    type="text"
                    danger
                    icon={<DeleteOutlined />}
                    aria-label={t("knowledge.quiz.removeQuestion")}
                    data-testid="knowledge-quiz-remove-question"
                    onClick={() => remove(question.name)}
                  />
                </Tooltip>
              }
            >
              <Form.Item name={[question.name, "id"]} hidden>
                <Input />
              </Form.Item>
              <Form.Item
                name={[question.name, "text"]}
                label={t("knowledge.quiz.questionText")}
                rules={[
                  { required: true, whitespace: true, message: t("validation.required") },
                  { max: MAX_TEXT, message: t("validation.maxChars", { max: MAX_TEXT }) },
                ]}
              >
                <Input data-testid="knowledge-quiz-question-text" />
              </Form.Item>
              <Form.List
                name={[question.name, "options"]}
                rules={[
                  {
                    validator: async (_rule, options: QuizOptionValues[] | undefined) => {
                      if (!options || options.length < 2 || options.length > MAX_OPTIONS) throw new Error(t("knowledge.quiz.twoOptions"));
                      if (!options.some((option) => option?.correct)) throw new Error(t("knowledge.quiz.oneCorrect"));
                    },
                  },
                ]}
              >
                {(options, { add: addOption, remove: removeOption }, { errors }) => (
                  <div style={{ marginBottom: token.marginSM }}>
                    <Typography.Text>{t("knowledge.quiz.options")}</Typography.Text>
                    {options.map((option, optionIndex) => (
                      <Space key={option.key} align="baseline" style={{ display: "flex", marginTop: token.marginXXS }} data-testid="knowledge-quiz-edit-option">
                        <Form.Item name={[option.name, "correct"]} valuePropName="checked" noStyle>
                          <Checkbox aria-label={t("knowledge.quiz.markCorrect")} data-testid="knowledge-quiz-option-correct">
                            {t("knowledge.quiz.correct")}
                          </Checkbox>
                        </Form.Item>
                        <Form.Item
                          name={[option.name, "text"]}
                          style={{ flex: 1, marginBottom: 0, minWidth: 160 }}
                          rules={[
                            { required: true, whitespace: true, message: t("validation.required") },
                            { max: MAX_OPTION, message: t("validation.maxChars", { max: MAX_OPTION }) },
                          ]}
                        >
                          <Input
                            placeholder={t("knowledge.quiz.optionPlaceholder", { number: optionIndex + 1 })}
                            data-testid="knowledge-quiz-option-text"
                          />
                        </Form.Item>
                        <Button
                          size="small"
                          type="text"
                          icon={<DeleteOutlined />}
                          aria-label={t("knowledge.quiz.removeOption")}
                          onClick={() => removeOption(option.name)}
                        />
                      </Space>
                    ))}
                    <Button
                      size="small"
                      type="dashed"
                      icon={<PlusOutlined />}
                      style={{ marginTop: token.marginXS }}
                      disabled={options.length >= MAX_OPTIONS}
                      onClick={() => addOption({ text: "", correct: false })}
                      data-testid="knowledge-quiz-add-option"
                    >
                      {t("knowledge.quiz.addOption")}
                    </Button>
                    <Form.ErrorList errors={errors} />
                  </div>
                )}
              </Form.List>
              <Form.Item
                name={[question.name, "explanation"]}
                label={t("knowledge.quiz.explanation")}
                style={{ marginBottom: 0 }}
                rules={[{ max: MAX_EXPLANATION, message: t("validation.maxChars", { max: MAX_EXPLANATION }) }]}
              >
                <Input.TextArea rows={2} data-testid="knowledge-quiz-explanation-input" />
              </Form.Item>
            </Card>
          ))}
          <Button type="dashed" icon={<PlusOutlined />} onClick={() => add(newQuestion())} data-testid="knowledge-quiz-add-question">
            {t("knowledge.quiz.addQuestion")}
          </Button>
          <Form.ErrorList errors={quizErrors} />
        </Space>
      )}
    </Form.List>
  );
}
